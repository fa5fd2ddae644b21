import path from 'node:path';
import protobuf from 'protobufjs';
import { bundledProtoRoot, protoDir } from '../util/proto-dir.js';

const OPS_PROTO = 'github.com/moby/buildkit/solver/pb/ops.proto';

let root: protobuf.Root | undefined;

/** The protobufjs root with BuildKit's `pb` package, loaded once on first use. */
export function opsRoot(): protobuf.Root {
  if (root) return root;
  root = bundledProtoRoot();
  if (root) return root;
  const r = new protobuf.Root();
  // Imports are written as Go-style paths rooted at proto/; google/protobuf/* never reaches here
  // because protobufjs serves its bundled copies first.
  r.resolvePath = (_origin: string, target: string): string =>
    path.isAbsolute(target) ? target : path.join(protoDir(), target);
  r.loadSync(OPS_PROTO, { keepCase: true });
  r.resolveAll();
  root = r;
  return r;
}

/** Looks up a message type of package `pb`, e.g. `pbType('Op')`. */
export function pbType(name: string): protobuf.Type {
  return opsRoot().lookupType(`pb.${name}`);
}
