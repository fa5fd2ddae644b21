// Bundles the frontend into one ESM file: one file to read at start-up instead of hundreds of
// modules is most of the frontend's cold-start budget, and it keeps node_modules out of the image.
import { copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import protobuf from 'protobufjs';

// Every proto the frontend uses, precompiled to protobufjs JSON: gateway.proto imports the rest.
const protoRoot = new protobuf.Root();
protoRoot.resolvePath = (_origin, target) =>
  target.startsWith('google/protobuf/') || target.startsWith('/') ? target : `proto/${target}`;
protoRoot.loadSync(
  ['github.com/moby/buildkit/frontend/gateway/pb/gateway.proto', 'google/rpc/status.proto'],
  { keepCase: true },
);
protoRoot.resolveAll();

// CommonJS output, so that scripts/code-cache-loader.cjs can run it through vm.Script with a
// V8 code cache (Node 20 has no module compile cache); `node frontend.cjs` works as well.
const outfile = process.argv[2] ?? 'build/frontend/frontend.cjs';
const result = await build({
  entryPoints: ['src/main.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  legalComments: 'linked',
  metafile: true,
  define: {
    __AIKIT_PROTO_JSON__: JSON.stringify(JSON.stringify(protoRoot.toJSON())),
    // Only the from-source fallback for finding proto/ reads it; the bundle carries the protos.
    'import.meta.url': JSON.stringify('file:///aikit/frontend.cjs'),
  },
  logLevel: 'warning',
});
// zstd for tar+zstd layers is WebAssembly that @bokuweb/zstd-wasm reads at run time from
// `__dirname/zstd.wasm`, which in the bundle is the bundle's own folder: it goes beside it (and so
// into the image), read only by a packaging step that compresses, never at start-up.
const zstdWasm = join(dirname(createRequire(import.meta.url).resolve('@bokuweb/zstd-wasm')), 'zstd.wasm');
copyFileSync(zstdWasm, join(dirname(outfile), 'zstd.wasm'));
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.error(`bundled ${outfile} (${(bytes / 1024).toFixed(0)} KiB)`);
