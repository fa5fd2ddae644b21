'use strict';
// The frontend image's entry point: runs frontend.cjs with the V8 code cache made at image build
// time (frontend.cjs.cache), which skips most of the compile work of a 1.4 MB bundle on every
// build. A missing or rejected cache only costs that time back. With AIKIT_WRITE_CODE_CACHE set
// it runs the bundle briefly and writes the cache instead (scripts/frontend-image.sh does this
// with the image's own node binary, since a cache is only valid for the V8 that made it).
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { wrap } = require('node:module');

const file = path.join(__dirname, 'frontend.cjs');
const cacheFile = `${file}.cache`;
const writing = Boolean(process.env.AIKIT_WRITE_CODE_CACHE);
let cachedData;
if (!writing) {
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
}
const script = new vm.Script(wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData });
if (writing) {
  // Let start-up run (module initialisation, proto loading, the first calls; with no BuildKit on
  // stdin the frontend soon gives up and exits) so the functions it compiles land in the cache
  // too, then write it.
  const exit = process.exit.bind(process);
  const write = () => {
    fs.writeFileSync(cacheFile, script.createCachedData());
    exit(0);
  };
  process.exit = write;
  setTimeout(write, 3000).unref();
}
const mod = { exports: {} };
script.runInThisContext().call(mod.exports, mod.exports, require, mod, file, __dirname);
