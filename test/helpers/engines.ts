/**
 * The engines every parity test runs against (each must give GEMMA's numbers). webgpu runs on a
 * real adapter or on Mesa's llvmpipe (CI); without any adapter its tests fail, they never skip.
 */
import type { EngineChoice } from '../../src/model/config.js';

export const PARITY_ENGINES: EngineChoice[] = ['ts', 'wasm', 'webgpu'];
