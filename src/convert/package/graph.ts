import {
  copy,
  http,
  image,
  local,
  scratch,
  type FileAction,
  type Platform,
  type State,
} from '../../llb/index.js';
import type { ModelFile } from '../models.js';
import type { PackageArgs, PackageTarget } from './args.js';
import { excludes } from './exclude.js';
import type { PackageJob } from './writer.js';

// The packaging build: the source files as one state, then one step that turns them into an
// OCI image layout. The step runs the frontend's own image as a tool (decisions.md#d17):
// the bytes of tars, digests and JSON must be made where the files are, inside the build.

/** The image the packaging step runs in, and how to start the packager there. */
export interface PackageTool {
  image: string;
  /** Pins the image when the engine resolved it. */
  digest?: string;
  /** The command before `package <job>`: the image's node and the bundled frontend. */
  command: string[];
}

export interface PackageGraphOptions {
  target: PackageTarget;
  args: PackageArgs;
  tool: PackageTool;
  contextLocal: string;
  sessionId: string;
  /** The files of a huggingface:// source, from `modelFiles` (the listing read first). */
  hfFiles?: readonly ModelFile[];
  platform?: Platform;
}

/** Where the files are mounted for the packaging step. */
const IN = '/in';
const OUT = '/out';

/** The state `--output` exports: `layout/` (an OCI image layout) or, in files mode, the files. */
export function packageGraph(o: PackageGraphOptions): State {
  const { state: input, path } = sourceState(o);
  if (o.args.filesOutput) return input;
  const job: PackageJob = {
    kind: o.target === 'packager/modelpack' ? 'modelpack' : 'generic',
    name: o.args.name,
    packaging: o.args.packaging,
    exclude: o.args.exclude,
    input: path ? `${IN}/${path}` : IN,
    output: OUT,
    ...(o.args.epoch !== undefined ? { epoch: o.args.epoch } : {}),
    ...(o.args.source.kind !== 'context' ? { sourceURL: o.args.sourceText } : {}),
    ...(o.args.source.kind === 'huggingface' ? { revision: o.args.source.revision } : {}),
  };
  const tool = image(o.tool.image, {
    ...(o.tool.digest ? { digest: o.tool.digest } : {}),
    ...(o.platform ? { platform: o.platform } : {}),
  });
  return tool
    .run({
      args: [...o.tool.command, 'package', JSON.stringify(job)],
      network: 'none',
      mounts: [
        { dest: IN, source: input, readonly: true },
        { dest: OUT, source: scratch() },
      ],
      name: `[aikit] package ${o.args.name} as ${o.target === 'packager/modelpack' ? 'a ModelPack artifact' : 'an OCI artifact'} (${o.args.packaging})`,
    })
    .getMount(OUT);
}

/** The files to package as one state, and their path in it ('' for all of it). */
function sourceState(o: PackageGraphOptions): { state: State; path: string } {
  const src = o.args.source;
  switch (src.kind) {
    case 'context':
      return {
        state: local(o.contextLocal, {
          sessionId: o.sessionId,
          sharedKeyHint: o.contextLocal,
          // Only the named file or directory crosses the wire, not the whole context.
          ...(src.path ? { followPaths: [src.path] } : {}),
          // The packaging step filters too; this keeps excluded files off the wire.
          ...(o.args.exclude.length > 0
            ? { excludePatterns: o.args.exclude.map((p) => (src.path ? `${src.path}/${p}` : p)) }
            : {}),
          name: `[aikit] load ${src.path || 'the build context'} to package`,
        }),
        path: src.path,
      };
    case 'http':
      return {
        state: http(src.url, { filename: src.filename, name: `[aikit] download ${src.filename} to package` }),
        path: src.filename,
      };
    case 'huggingface': {
      const prefix = `/models/${src.repo}/`;
      // Excluded files are not even downloaded (the reference's "download exclusions").
      const skip = excludes(o.args.exclude);
      let files: FileAction | undefined;
      for (const f of o.hfFiles ?? []) {
        const rel = f.dest.startsWith(prefix) ? f.dest.slice(prefix.length) : f.dest.replace(/^\/+/, '');
        if (skip(rel)) continue;
        const opts = { createDestPath: true };
        files = files
          ? files.copy(f.source, f.srcPath, `/${rel}`, opts)
          : copy(f.source, f.srcPath, `/${rel}`, opts);
      }
      const state = files
        ? scratch().file(files, { name: `[aikit] gather ${src.repo} to package` })
        : scratch();
      return { state, path: '' };
    }
  }
}
