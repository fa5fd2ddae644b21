import protobuf from 'protobufjs';
import { protoRoot } from '../util/proto-dir.js';

const OPS_PROTO = 'github.com/moby/buildkit/solver/pb/ops.proto';

let root: protobuf.Root | undefined;

/** The protobufjs root with BuildKit's `pb` package, loaded once on first use. */
export function opsRoot(): protobuf.Root {
  root ??= protoRoot([OPS_PROTO]);
  return root;
}

/** Looks up a message type of package `pb`, e.g. `pbType('Op')`. */
export function pbType(name: string): protobuf.Type {
  return opsRoot().lookupType(`pb.${name}`);
}
