import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dumpDefinition, marshal, parsePlatform } from '../../llb/index.js';
import { loadAikitfile, MATRIX, SERVERS, type InferenceSpec } from '../../aikitfile/index.js';
import { AikitError } from '../../util/errors.js';
import { resolveArtifacts } from '../artifacts.js';
import { convert } from '../convert.js';
import { runtimeImageRefs, serverFor } from './index.js';

const ROOT = join(import.meta.dirname, '../../..');
const FILES = readdirSync(join(ROOT, 'test')).filter((f) => /^aikitfile-.*\.yaml$/.test(f));
const PLATFORMS = ['linux/amd64', 'linux/arm64'];
// Build-args that change which images a LocalAI image reads.
const ARGS: Record<string, string>[] = [
  {},
  { AIKIT_CUDA_LIBRARIES: 'base' },
  { AIKIT_VLLM_BASE_IMAGE: 'docker.io/mirror/vllm-base:1' },
  { AIKIT_LLAMA_SERVER_IMAGE: 'mirror.internal/llama:server' },
];

function inference(file: string): InferenceSpec | undefined {
  const spec = loadAikitfile(readFileSync(join(ROOT, 'test', file), 'utf8'), file).spec;
  return spec.kind === 'inference' ? spec : undefined;
}

/** The outcome of `f`: its value, or the code of the AikitError it threw. */
function outcome<T>(f: () => T): T | { code: string } {
  try {
    return f();
  } catch (e) {
    if (e instanceof AikitError) return { code: e.code };
    throw e;
  }
}

describe('the server registry', () => {
  it('has a server for every name a file may give, each with its rows in the matrix', () => {
    for (const name of SERVERS) {
      const spec = { ...inference('aikitfile-tiny.yaml')!, server: name };
      expect(serverFor(spec)).toBeDefined();
      expect(MATRIX[name].combinations.length).toBeGreaterThan(0);
    }
    const localai = { ...inference('aikitfile-tiny.yaml')!, server: 'localai' as const };
    expect(serverFor(localai)).not.toBe(serverFor({ ...localai, server: 'llama-server' }));
  });
});

describe('runtimeImageRefs', () => {
  // The references come from the plan alone; the graph convert() builds must read exactly them.
  it.each(FILES.flatMap((f) => PLATFORMS.flatMap((p) => ARGS.map((_, i) => [f, p, i] as const))))(
    '%s on %s with build-args #%i names the images the build reads, the base first',
    (file, p, i) => {
      const spec = inference(file);
      if (!spec) return;
      const platform = parsePlatform(p);
      const artifacts = outcome(() => resolveArtifacts(ARGS[i]!).artifacts);
      if ('code' in artifacts) throw new Error(artifacts.code);
      const refs = outcome(() => runtimeImageRefs(spec, artifacts, platform));
      const built = outcome(() => {
        const { state } = convert(spec, { platform, artifacts, sessionId: 's', contextLocal: 'context' });
        return dumpDefinition(marshal(state, { platform }));
      });
      if ('code' in refs || 'code' in built) {
        // A forbidden combination, or build-args that contradict the plan, fail both ways alike.
        expect(refs).toEqual(built);
        return;
      }
      const images = built.flatMap((e) => {
        const id = (e.Op['source'] as { identifier?: string } | undefined)?.identifier ?? '';
        return id.startsWith('docker-image://') ? [id.slice('docker-image://'.length)] : [];
      });
      expect(new Set(refs)).toEqual(new Set(images));
      expect(refs).toHaveLength(new Set(refs).size);
      // The first leaf of the graph is the base every layer goes on.
      expect(images[0]).toBe(refs[0]);
    },
  );
});
