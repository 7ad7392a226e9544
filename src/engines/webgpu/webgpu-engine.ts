/**
 * The GPU engine: the O(n^2)-per-SNP stages (rotation U^T X and the kinship X X^T) and the O(n)-per-step part of
 * the per-SNP tests (the weighted sums at the lambda grid, then each SNP's bracket and safeguarded Newton
 * iteration) run as WGSL compute shaders in double-single arithmetic (about 2^-44 relative, see
 * shaders/ds_arith.wgsl); the eigendecomposition, a float64 Newton step polishing each lambda, the statistics and
 * the p-values run on the CPU, as does the whole optimisation of the few SNPs double-single cannot settle.
 */
import type { LmmTestMode, ScanPlan } from '../../model/plan.js';
import type { LinearModel } from '../../stats/linear-model.js';
import type { MvResultBlock, SnpResultBlock } from '../../model/results.js';
import type { MvScanModel } from '../../stats/mvlmm/block.js';
import type { Eigen, Engine, KinshipSession, PlanHandle } from '../engine.js';
import type { MatrixRowsParser } from '../../io/matrix-read.js';
import { acquireGpu, GpuError, type GpuContext } from './device.js';
import { GpuKinship } from './kinship.js';
import { GpuPlanTests, type GpuBlockResults, type GridCounts } from './lmm-tests.js';
import { GpuRotator } from './rotate.js';
import { selfTestDoubleSingle } from './selftest.js';

/** A block rotated on the GPU, with the test kernels' results when they ran on its rotated chunks. */
interface RotatedOnGpu {
  rotated: Float64Array;
  results?: GpuBlockResults;
}

export class WebGpuEngine implements Engine {
  readonly name = 'webgpu' as const;
  /** Why the rotation moved to the CPU engine mid-run (auto mode only), or null. */
  private fallbackReason: string | null = null;
  /** Stages that ran on the GPU so far, for the log's engine line. */
  private readonly gpuStages = new Set<'kinship' | 'rotation' | 'tests'>();
  /** SNP tests whose lambda grid was summed on the GPU, those refined there, and those optimised on the CPU. */
  private readonly gridCounts: GridCounts = { tested: 0, refined: 0, cpu: 0 };

  private constructor(
    readonly gpu: GpuContext,
    private readonly cpu: Engine,
    private readonly fallbackOnError: boolean,
  ) {}

  /**
   * Opens the GPU (Vulkan, else OpenGL ES on llvmpipe) and checks double-single arithmetic on it;
   * `cpu` runs the float64 stages. Throws GpuError when no usable adapter exists.
   */
  static async create(
    cpu: Engine,
    backend: 'auto' | 'vulkan' | 'opengles' = 'auto',
    fallbackOnError = false,
  ): Promise<WebGpuEngine> {
    const gpu = await acquireGpu({ backend });
    try {
      await selfTestDoubleSingle(gpu);
    } catch (error) {
      gpu.destroy();
      throw error;
    }
    return new WebGpuEngine(gpu, cpu, fallbackOnError);
  }

  describe(): string {
    if (this.fallbackReason)
      return `webgpu, then wasm after a GPU failure (${this.fallbackReason}); ${this.cpu.describe()}`;
    return `webgpu (${this.gpu.backend}: ${this.gpu.adapterInfo}; ${this.stagesLine()}; CPU stages on ${this.cpu.describe()})`;
  }

  /**
   * Which stages ran on the GPU and what the CPU finished: "kinship, rotation and tests on the GPU in double-single
   * (lambda grid and Newton); 1000 SNP tests, 3 of them optimised on the CPU in float64 (lambda below 1e-3, several
   * brackets or a slope sign in doubt); statistics and p-values on the CPU in float64". Plans with too many
   * covariates for the refinement keep only the grid on the GPU and are counted as finished on the CPU.
   */
  private stagesLine(): string {
    const { tested, refined, cpu } = this.gridCounts;
    const names = (['kinship', 'rotation', 'tests'] as const)
      .filter((s) => this.gpuStages.has(s))
      .map((s) => (s === 'tests' && refined === 0 ? "tests' lambda grid" : s));
    if (names.length === 0) return 'no stage of this run on the GPU';
    const list =
      names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]!}`;
    let line = `${list} on the GPU in double-single`;
    if (this.gpuStages.has('tests')) {
      const onCpu = cpu + (tested - refined);
      line +=
        ` (lambda grid${refined > 0 ? ' and Newton' : ''}); ${tested} SNP tests, ${onCpu} of them optimised on` +
        ' the CPU in float64 (lambda below 1e-3, several brackets, a slope sign in doubt or too many covariates);' +
        ' statistics and p-values on the CPU in float64';
    }
    return line;
  }

  startKinship(n: number): KinshipSession {
    const kinship = new GpuKinship(this.gpu, n);
    this.gpuStages.add('kinship');
    const finish = async () => {
      try {
        return await kinship.read();
      } finally {
        kinship.destroy();
      }
    };
    // (hi + 0) / snps: hi / snps, in place.
    const finishKinship = async (snps: number) => {
      const k = await finish();
      for (let i = 0; i < k.length; i++) k[i] /= snps;
      return k;
    };
    // The device sums in double-single: its result is the pair's hi with lo = 0 (kinship shards run on wasm).
    return {
      add: (block, b) => kinship.accumulate(block, b),
      finish,
      finishSum: async () => {
        const hi = await finish();
        return { hi, lo: new Float64Array(hi.length) };
      },
      finishKinship,
      useKinship: async (snps, use) => use(await finishKinship(snps)),
    };
  }

  eigen(matrix: Float64Array, n: number, consume = false): Promise<Eigen> {
    return this.cpu.eigen(matrix, n, consume);
  }

  /** The CPU engine's: the file's rows go to its threads, which decompose K next. */
  parseMatrixRows(...args: Parameters<MatrixRowsParser>): Promise<Float64Array | null> {
    return this.cpu.parseMatrixRows?.(...args) ?? Promise.resolve(null);
  }

  /** A one-off rotation: U goes to the GPU for this call only (the CPU engine's, where it falls back, may keep it). */
  async rotate(
    eigenvectors: Float64Array,
    n: number,
    block: Float64Array,
    b: number,
    key?: object,
    into?: Float64Array,
  ): Promise<Float64Array> {
    if (this.fallbackReason) return this.cpu.rotate(eigenvectors, n, block, b, key, into);
    return this.onGpu(
      () => {
        const rotator = new GpuRotator(this.gpu, eigenvectors, n);
        return rotator.rotate(block, b).finally(() => rotator.destroy());
      },
      () => this.cpu.rotate(eigenvectors, n, block, b, key, into),
    );
  }

  async releaseRotation(key: object): Promise<void> {
    await this.cpu.releaseRotation?.(key);
  }

  /**
   * U and each trait's grid weights go to the GPU once and stay there for the unit's blocks. A block's rotation and
   * its tests' grid phase run in one submission (the rotated chunks never leave the device in between); the CPU
   * finishes every SNP in float64.
   */
  loadPlan(plan: ScanPlan): PlanHandle {
    const cpu = this.cpu.loadPlan(plan);
    const { eigenvectors, n } = plan;
    let rotator: GpuRotator | null = null;
    let tests: GpuPlanTests | null = null;
    const free = () => {
      rotator?.destroy();
      rotator = null;
      tests?.destroy();
      tests = null;
    };
    const rotateOnGpu = (block: Float64Array, b: number) => {
      rotator ??= new GpuRotator(this.gpu, eigenvectors, n);
      this.gpuStages.add('rotation');
      return rotator.rotate(block, b);
    };
    const rotate = (block: Float64Array, b: number) => {
      if (this.fallbackReason) return cpu.rotate(block, b);
      return this.onGpu(
        () => rotateOnGpu(block, b),
        () => {
          free();
          return cpu.rotate(block, b);
        },
      );
    };
    // The rotation with every trait's grid (and refinement) kernels recorded on each rotated chunk: the block's
    // rotated values and the kernels' results, read back together.
    const rotateAndRecord = async (block: Float64Array, b: number): Promise<RotatedOnGpu> => {
      tests ??= new GpuPlanTests(this.gpu, plan, this.gridCounts);
      if (!tests.active) return { rotated: await rotateOnGpu(block, b) };
      rotator ??= new GpuRotator(this.gpu, eigenvectors, n);
      this.gpuStages.add('rotation');
      await tests.compiled();
      const hook = tests.hook(b);
      try {
        const rotated = await rotator.rotate(block, b, hook.onDevice);
        return { rotated, results: await hook.finish() };
      } finally {
        for (const buffer of hook.transient) buffer.destroy();
      }
    };
    // `results` from rotateAndRecord(); without them the GPU's work is done now on the uploaded block.
    const test = (rotated: Float64Array, b: number, results?: GpuBlockResults) => {
      if (this.fallbackReason) return cpu.test(rotated, b);
      return this.onGpu(
        () => {
          tests ??= new GpuPlanTests(this.gpu, plan, this.gridCounts);
          if (tests.active) this.gpuStages.add('tests');
          return tests.test(rotated, b, cpu, results);
        },
        () => {
          free();
          return cpu.test(rotated, b);
        },
      );
    };
    return {
      rotate,
      test: (rotated, b) => test(rotated, b),
      scanBlock: async (block, b, timer) => {
        if (this.fallbackReason) return cpu.scanBlock(block, b, timer);
        const rotation = await timer.time(
          performance.now(),
          this.onGpu(
            () => rotateAndRecord(block, b),
            async (): Promise<RotatedOnGpu> => {
              free();
              return { rotated: await cpu.rotate(block, b) };
            },
          ),
        );
        const { rotated, results } = rotation.value;
        const testing = await timer.time(performance.now(), test(rotated, b, results));
        return { results: testing.value, rotateMs: rotation.ms, testMs: testing.ms };
      },
      release: async () => {
        free();
        await cpu.release();
      },
    };
  }

  testLinear(
    models: LinearModel[],
    genotypes: Float64Array,
    b: number,
    mode: LmmTestMode,
  ): Promise<SnpResultBlock[]> {
    return this.cpu.testLinear(models, genotypes, b, mode);
  }

  /** Small dense d x d fits per SNP: on the CPU engine's threads (no shader for them yet). */
  testMultivariate(model: MvScanModel, rotated: Float64Array, b: number): Promise<MvResultBlock> {
    return this.cpu.testMultivariate(model, rotated, b);
  }

  /**
   * Runs a GPU step. Under --engine auto a lost device or a failing shader moves the rest of the scan to the CPU
   * engine (the log says so) by running `onCpu`; with an explicit --engine webgpu it is an error.
   */
  private async onGpu<T>(step: () => Promise<T>, onCpu: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      if (!this.fallbackOnError || !(error instanceof GpuError)) throw error;
      this.fallbackReason ??= error.message.split('\n')[0].slice(0, 200);
      process.stderr.write(
        `lmmscan: the GPU failed (${this.fallbackReason}); continuing on ${this.cpu.describe()}\n`,
      );
      return onCpu();
    }
  }

  async close(): Promise<void> {
    this.gpu.destroy();
    await this.cpu.close();
  }
}
