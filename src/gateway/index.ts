export { MAX_BUILD_FILE_BYTES, readBuildFile } from './build-source.js';
export type { BuildFile } from './build-source.js';
export { BridgeClient, BuildkitError, statusFromGrpcError } from './client.js';
export type {
  ImageConfigResult,
  PingResult,
  ResultAttestation,
  ReturnPayload,
  RpcStatus,
  SolveOptions,
} from './client.js';
export { parseBuildOptions, readFrontendEnv } from './env.js';
export type { BuildOptions, FrontendEnv } from './env.js';
export { targetPlatforms } from './platforms.js';
export { resultPayload } from './result.js';
export type { PlatformResult } from './result.js';
export { runFrontend } from './run.js';
export type { BuildFunc, FrontendContext, RunIO } from './run.js';
export { sourceDetail, userErrorStatus } from './status.js';
export type { SourceFile } from './status.js';
export { openStdioBridge } from './transport.js';
export type { StdioBridge } from './transport.js';
export {
  describeAnswer,
  lintAnswer,
  outlineAnswer,
  REQUEST_DESCRIBE,
  REQUEST_LINT,
  REQUEST_OUTLINE,
  REQUEST_TARGETS,
  targetsAnswer,
  unsupportedSubrequestStatus,
} from './subrequests.js';
export type { LintLocation, LintResults, LintWarning, Outline, TargetList } from './subrequests.js';
