import { existsSync } from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';
import { fileURLToPath } from 'node:url';

/**
 * Where the project's .proto files are. Source (`src/util`), compiled (`dist/util`) and the bundled
 * frontend image each sit at a different depth, so look upwards; AIKIT_PROTO_DIR wins when set.
 */
export function protoDir(): string {
  const fromEnv = process.env['AIKIT_PROTO_DIR'];
  if (fromEnv) return fromEnv;
  for (const rel of ['../../proto/', '../proto/', './proto/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(`${dir}github.com`)) return dir;
  }
  throw new Error('cannot find the proto/ directory; set AIKIT_PROTO_DIR');
}

// Set by scripts/bundle.mjs: the protos as protobufjs JSON, so the frontend image parses no
// .proto text at start-up (about 80 ms of the cold start). Absent when running from source.
declare const __AIKIT_PROTO_JSON__: string | undefined;

let bundled: Record<string, unknown> | null | undefined;

/** The bundled proto descriptors (protobufjs `Root.toJSON()` form), if this is the bundle. */
export function bundledProtoJson(): Record<string, unknown> | undefined {
  if (bundled === undefined) {
    bundled =
      typeof __AIKIT_PROTO_JSON__ === 'string'
        ? (JSON.parse(__AIKIT_PROTO_JSON__) as Record<string, unknown>)
        : null;
  }
  return bundled ?? undefined;
}

let bundledRoot: protobuf.Root | undefined;

/** One resolved protobufjs root over the bundled descriptors, shared by llb and the gateway. */
export function bundledProtoRoot(): protobuf.Root | undefined {
  const json = bundledProtoJson();
  if (!json) return undefined;
  if (!bundledRoot) {
    bundledRoot = protobuf.Root.fromJSON(json);
    bundledRoot.resolveAll();
  }
  return bundledRoot;
}

/**
 * The message types of `files` (paths under proto/): the bundled descriptors, or the .proto
 * files parsed when running from source. Imports are Go-style paths rooted at proto/; the
 * google/protobuf ones are protobufjs's own copies.
 */
export function protoRoot(files: readonly string[]): protobuf.Root {
  const bundledOne = bundledProtoRoot();
  if (bundledOne) return bundledOne;
  const r = new protobuf.Root();
  r.resolvePath = (_origin, target) =>
    target.startsWith('google/protobuf/') || path.isAbsolute(target) ? target : path.join(protoDir(), target);
  r.loadSync([...files], { keepCase: true });
  r.resolveAll();
  return r;
}
