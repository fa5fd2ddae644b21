import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoDir } from '../util/proto-dir.js';

const GATEWAY_PROTO = 'github.com/moby/buildkit/frontend/gateway/pb/gateway.proto';

let packageCache: grpc.GrpcObject | undefined;

/**
 * The LLBBridge package as @grpc/proto-loader gives it to grpc-js, for the in-process bridge the
 * unit tests serve. The frontend's client (client.ts) skips this conversion of every descriptor
 * and makes its serializers from protobufjs directly, so the frontend image never loads it.
 */
export function loadGateway(): grpc.GrpcObject {
  packageCache ??= grpc.loadPackageDefinition(
    protoLoader.loadSync(GATEWAY_PROTO, {
      includeDirs: [protoDir()],
      keepCase: true,
      longs: String,
      enums: String,
      defaults: false,
      oneofs: true,
    }),
  );
  return packageCache;
}
