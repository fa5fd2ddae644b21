import type { Platform, SourceLocation, State } from '../../llb/index.js';
import type { Issue } from '../../util/errors.js';
import type { Metadata, SourceSettings } from '../models.js';

/** What a fine-tune conversion needs besides the spec. Pure data: the caller does all I/O. */
export interface FinetuneOptions {
  platform: Platform;
  /** `AIKIT_*` build-args that replace the images the steps run in. */
  buildArgs?: Readonly<Record<string, string>>;
  imageResolveMode?: 'default' | 'pull' | 'local';
  /** Session and local name of the build context, for a base model in the context. */
  sessionId?: string;
  contextLocal?: string;
  /** Where remote model sources live and what was read about them (models.ts). */
  sources?: { settings?: SourceSettings; metadata?: Metadata };
  /** The aikitfile location of a key path, so that a failing step points at its line. */
  at?: (path: readonly (string | number)[]) => SourceLocation | undefined;
  /**
   * Whether the engine can give a step a CDI device (BuildKit >= v0.20, cap `exec.cdidevices`).
   * Absent: a modern engine, as for CLI conversions. Only target unsloth reads it.
   */
  cdiDevices?: boolean;
}

/** A fine-tune's result: the output directory, ready for `--output type=local,dest=<dir>`. */
export interface FinetuneResult {
  state: State;
  /** The file (gguf) or directory (adapter) the output directory holds. */
  file: string;
  /** Things the user should know, such as the entitlement a GPU step needs. */
  warnings: Issue[];
}
