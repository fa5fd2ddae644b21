import type { SourceRange } from '../../util/errors.js';
import type { KeyPath, Reporter } from '../report.js';
import type { ModelSource } from '../types.js';

/** What a server's rules need besides the data. */
export interface RuleContext {
  reporter: Reporter;
  /** The range of the first match of `re` inside the value node at `path` (a line of a block scalar). */
  findInValue(path: KeyPath, re: RegExp): SourceRange | undefined;
  /** The models and config came from --build-arg model: their rules were checked there. */
  modelsFromBuildArg?: boolean;
  /** Where the effective runtime came from when not from the file, for messages. */
  runtimeOrigin?: string | undefined;
}

/** The rules one server adds to an inference aikitfile: the fields it reads and the names it knows. */
export interface ServerRules {
  /**
   * Fields this server ignores or cannot take, and values it reads in its own way. Runs after
   * the model rules; `sources` holds the parsed source of every model whose source parsed.
   */
  check(data: Record<string, unknown>, ctx: RuleContext, sources: ReadonlyMap<number, ModelSource>): void;
  /** The names loadToMemory may use for the models this server will serve, in file order. */
  loadableNames(data: Record<string, unknown>, sources: ReadonlyMap<number, ModelSource>): Set<string>;
  /** What defines such a name, for the message about one that nothing defines. */
  namesDefinedBy: string;
  /**
   * The config a model given by `--build-arg model` needs (the reference's generated config), for
   * servers that read one; a server that serves a file as it is leaves this out.
   */
  configForModelArg?(name: string): string;
}

export const asArray = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);

export const SHELL_ESCAPE_HINT =
  'aikit writes it byte for byte; the reference passed it through /bin/sh, which turned \\" into ". Write " instead';
