// Bundles the frontend into one ESM file: one file to read at start-up instead of hundreds of
// modules is most of the frontend's cold-start budget, and it keeps node_modules out of the image.
import { build } from 'esbuild';

const outfile = process.argv[2] ?? 'build/frontend/main.mjs';
const result = await build({
  entryPoints: ['src/main.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: true,
  legalComments: 'linked',
  metafile: true,
  // CommonJS dependencies (grpc-js, protobufjs, pino) call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: 'warning',
});
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.error(`bundled ${outfile} (${(bytes / 1024).toFixed(0)} KiB)`);
