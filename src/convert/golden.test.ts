import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'vitest';
import { expectGolden } from '../../test/fixtures/golden.js';
import { dumpDefinition, marshal, parsePlatform } from '../llb/index.js';
import { loadAikitfile } from '../aikitfile/index.js';
import { AikitError } from '../util/errors.js';
import { resolveArtifacts } from './artifacts.js';
import { convert } from './convert.js';

// Golden LLB: every test/aikitfile-*.yaml × platform, converted with the catalog's own artifacts,
// dumped the way `buildctl debug dump-llb` reads. A change to the catalog, the layers or the
// encoder shows up here as a reviewable diff. `npm run golden:update` rewrites the files; a missing
// or different file fails every other run, `vitest -u` included.
//
//   <file>.<os>-<arch>.llb.json        merged layers (engines with mergeop)
//   <file>.<os>-<arch>.chain.llb.json  the copy chain of engines without it (linux/amd64 only)
//   <file>.<os>-<arch>.image.json      image config and warnings
//   <file>.<os>-<arch>.error.json      the message of a forbidden platform (decisions.md#d15)

const ROOT = resolve(import.meta.dirname, '../..');
const FILES = readdirSync(join(ROOT, 'test'))
  .filter((f) => /^aikitfile-.*\.yaml$/.test(f))
  .sort();
const PLATFORMS = ['linux/amd64', 'linux/arm64'];
// Docker 26.1 with the classic store: mergeop and diffop are known but disabled.
const NO_MERGE = new Set(['source.image', 'source.local', 'source.http', 'file.base']);

const golden = (file: string, platform: string, kind: string) =>
  join(ROOT, 'test/golden', `${file.replace(/\.yaml$/, '')}.${platform.replace('/', '-')}.${kind}.json`);
const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

describe.each(FILES)('%s', (file) => {
  const loaded = loadAikitfile(readFileSync(join(ROOT, 'test', file), 'utf8'), file);
  const spec = loaded.spec;
  const { artifacts } = resolveArtifacts({});

  it.each(PLATFORMS)('%s', (p) => {
    if (spec.kind !== 'inference') return;
    const platform = parsePlatform(p);
    const run = (llbCaps?: ReadonlySet<string>) =>
      convert(spec, {
        platform,
        artifacts,
        sessionId: 'golden',
        contextLocal: 'context',
        ...(llbCaps ? { llbCaps } : {}),
      });
    let result;
    try {
      result = run();
    } catch (e) {
      if (!(e instanceof AikitError)) throw e;
      expectGolden(json({ code: e.code, message: e.message, hint: e.hint }), golden(file, p, 'error'));
      return;
    }
    expectGolden(json(dumpDefinition(marshal(result.state, { platform }))), golden(file, p, 'llb'));
    expectGolden(json({ image: result.image, warnings: result.warnings }), golden(file, p, 'image'));
    if (p === 'linux/amd64') {
      const chain = run(NO_MERGE);
      expectGolden(json(dumpDefinition(marshal(chain.state, { platform }))), golden(file, p, 'chain.llb'));
    }
  });
});
