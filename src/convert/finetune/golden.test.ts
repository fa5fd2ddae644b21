import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'vitest';
import { dumpDefinition, marshal, parsePlatform } from '../../llb/index.js';
import { loadAikitfile, type FinetuneSpec } from '../../aikitfile/index.js';
import { expectGolden } from '../../../test/fixtures/golden.js';
import { convertFinetune } from './index.js';

// Golden LLB of every test/aikitfile-finetune-*.yaml on linux/amd64, dumped the way
// `buildctl debug dump-llb` reads, next to the inference goldens. `npm run golden:update` rewrites them.
//
//   <file>.linux-amd64.llb.json          the graph
//   <file>.linux-amd64.result.json       the output file and the warnings

const ROOT = resolve(import.meta.dirname, '../../..');
const FILES = readdirSync(join(ROOT, 'test'))
  .filter((f) => /^aikitfile-finetune.*\.yaml$/.test(f))
  .sort();
const platform = parsePlatform('linux/amd64');
const golden = (file: string, kind: string) =>
  join(ROOT, 'test/golden', `${file.replace(/\.yaml$/, '')}.linux-amd64.${kind}.json`);
const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

describe.each(FILES)('%s', (file) => {
  it('converts to its golden LLB', () => {
    const loaded = loadAikitfile(readFileSync(join(ROOT, 'test', file), 'utf8'), file);
    const result = convertFinetune(loaded.spec as FinetuneSpec, {
      platform,
      sessionId: 'golden',
      contextLocal: 'context',
    });
    expectGolden(json(dumpDefinition(marshal(result.state, { platform }))), golden(file, 'llb'));
    expectGolden(json({ file: result.file, warnings: result.warnings }), golden(file, 'result'));
  });
});
