import { afterEach, describe, expect, it } from 'vitest';
import {
  MODERN_FRONTEND_CAPS,
  runFrontendOn,
  startFakeBridge,
  type FakeBridge,
} from '../../test/unit/fake-bridge.js';
import { buildAikit } from '../frontend.js';
import { decodeDefinition, dumpDefinition, encodeDefinition, type Definition } from '../llb/index.js';
import { BOM_PATH } from './bom.js';

const SHA = 'c'.repeat(64);
const AIKITFILE = `apiVersion: v1alpha1
models:
  - name: tiny
    source: https://example.com/models/tiny.gguf
    sha256: ${SHA}
`;

let bridge: FakeBridge | undefined;
afterEach(async () => {
  await bridge?.close();
  bridge = undefined;
});

interface ReturnedAttestation {
  kind?: string;
  metadata: Record<string, Buffer>;
  ref: { id: string };
  path: string;
  inTotoPredicateType: string;
}

async function build(
  opts: Record<string, string>,
  frontendCaps = [...MODERN_FRONTEND_CAPS, 'reference.attestations'],
) {
  bridge = await startFakeBridge({ files: { 'aikitfile.yaml': AIKITFILE }, frontendCaps });
  const code = await runFrontendOn(bridge, buildAikit, {
    filename: 'aikitfile.yaml',
    'build-arg:AIKIT_BASE_IMAGE': 'base:1',
    ...opts,
  });
  expect(code).toBe(0);
  const ret = bridge.calls.returns[0] as {
    result: {
      refs?: { refs: Record<string, { id: string }> };
      ref?: { id: string };
      attestations?: Record<string, { attestation: ReturnedAttestation[] }>;
    };
  };
  const solves = bridge.calls.solves.map((s) =>
    dumpDefinition(decodeDefinition(encodeDefinition(s['Definition'] as Definition))),
  );
  return { result: ret.result, solves };
}

/** The SPDX document a solve wrote with its one mkfile. */
function writtenDocument(ops: unknown[]): { name: string; packages: { packageFileName?: string }[] } {
  const action = (ops as { Op?: { file?: { actions?: { mkfile?: { path: string; data: string } }[] } } }[])
    .flatMap((o) => o.Op?.file?.actions ?? [])
    .find((a) => a.mkfile?.path === BOM_PATH);
  if (!action) throw new Error(`no mkfile of ${BOM_PATH} in ${JSON.stringify(ops).slice(0, 400)}`);
  return JSON.parse(action.mkfile!.data) as ReturnType<typeof writtenDocument>;
}

describe('the bill of materials on the result', () => {
  it('returns one SPDX attestation per platform, pointing at a file a separate solve wrote', async () => {
    const { result, solves } = await build({ platform: 'linux/amd64,linux/arm64' });
    expect(Object.keys(result.attestations ?? {}).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    const images = Object.values(result.refs!.refs).map((r) => r.id);
    for (const [platform, { attestation }] of Object.entries(result.attestations!)) {
      expect(attestation).toHaveLength(1);
      const a = attestation[0]!;
      expect(a.path).toBe(BOM_PATH);
      expect(a.inTotoPredicateType).toBe('https://spdx.dev/Document');
      expect(a.metadata['reason']?.toString()).toBe('sbom');
      expect(a.metadata['inline-only']).toBeUndefined();
      expect(images).not.toContain(a.ref.id);
      expect(a.ref.id).toMatch(/^ref-\d+$/);
      const doc = writtenDocument(solves[Number(a.ref.id.slice(4)) - 1]!);
      expect(doc.name).toBe(`aikit-${platform.replace('/', '-')}`);
      expect(doc.packages.map((p) => p.packageFileName)).toContain('/models/tiny.gguf');
    }
  });

  it('keys a single platform by its refs.platforms id too', async () => {
    const { result } = await build({});
    expect(result.ref?.id).toBeDefined();
    expect(Object.keys(result.attestations ?? {})).toEqual(['linux/amd64']);
  });

  it('leaves the image graph as it was', async () => {
    const withBom = await build({});
    await bridge!.close();
    const without = await build({ 'build-arg:AIKIT_SBOM': 'false' });
    expect(without.result.attestations).toBeUndefined();
    expect(without.solves).toHaveLength(withBom.solves.length - 1);
    expect(withBom.solves).toEqual(expect.arrayContaining(without.solves));
  });

  it('is off with attest:sbom disabled=true and on engines without attestations', async () => {
    expect((await build({ 'attest:sbom': 'type=sbom,disabled=true' })).result.attestations).toBeUndefined();
    await bridge!.close();
    expect((await build({ 'attest:sbom': 'type=sbom' })).result.attestations).toBeDefined();
    await bridge!.close();
    expect((await build({}, MODERN_FRONTEND_CAPS)).result.attestations).toBeUndefined();
  });
});
