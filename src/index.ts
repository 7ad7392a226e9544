/** lmmscan as a library: the job runner, the engines, and the statistical building blocks. */
export { VERSION } from './version.js';
export type { ScanConfig, EngineChoice } from './model/config.js';
export { runJob, runEigenJob } from './scan/job.js';
export { createEngine } from './engines/select.js';
export type { Engine, Eigen } from './engines/engine.js';
export { TsEngine } from './engines/ts/ts-engine.js';
export { fitNullModel } from './stats/null-model.js';
export { optimiseLambda } from './stats/lambda.js';
export { DEFAULT_LAMBDA_SEARCH } from './model/settings.js';
export { MixedModelLikelihood } from './stats/likelihood.js';
export { InputError, UsageError } from './io/input-error.js';
