export { lockMode, LOCKED_ARG, pinBuild } from './apply.js';
export type { LockMode, Pinned, PinOptions } from './apply.js';
export {
  formatLock,
  lockFileName,
  lockJsonSchema,
  LOCK_VERSION,
  parseLock,
  parsePins,
  sorted,
} from './format.js';
export type { ImageLock, Lock, ModelLock, RuntimePins } from './format.js';
export { lockPlan, sourceText } from './plan.js';
export type { LocalAIItem, LockedImageItem, LockPlan } from './plan.js';
export { defaultArtifacts, pinOfDefault, PROJECT_PINS } from './pins.js';
export type { DefaultArtifact } from './pins.js';
export { listedFiles, lockRequest } from './requests.js';
