import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import prettier from 'prettier';
import { afterEach, describe, expect, it } from 'vitest';
import { pinsModule, resolvePins } from '../../scripts/pins.js';
import { parsePins } from '../../src/convert/index.js';

// scripts/pins.ts against a loopback mirror: a registry that wants the token flow, and a file
// server standing in for the LocalAI release page.

const sha = (b: string | Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const TOKEN = 'pins-test-token';
const ROOT_FILE = new URL('../../src/convert/lock/pins.generated.ts', import.meta.url).pathname;

let server: Server | undefined;
afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

async function mirror(): Promise<{
  host: string;
  configs: { amd64: string; arm64: string };
  index: string;
  binary: Buffer;
}> {
  const configs = {
    amd64: '{"architecture":"amd64","os":"linux"}',
    arm64: '{"architecture":"arm64","os":"linux"}',
  };
  const manifests = Object.fromEntries(
    Object.entries(configs).map(([arch, config]) => [
      arch,
      JSON.stringify({ schemaVersion: 2, config: { digest: sha(config) }, layers: [] }),
    ]),
  );
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: Object.entries(manifests).map(([arch, m]) => ({
      digest: sha(m),
      platform: { os: 'linux', architecture: arch },
    })),
  });
  const byDigest = Object.fromEntries(Object.values(manifests).map((m) => [sha(m), m]));
  const binary = Buffer.from('local-ai stand-in\n');
  server = createServer((req, res) => {
    const url = req.url ?? '';
    if (url.startsWith('/token')) return res.end(JSON.stringify({ token: TOKEN }));
    if (url.startsWith('/files/')) return res.end(binary);
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      const port = (server!.address() as AddressInfo).port;
      res.writeHead(401, {
        'www-authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="test",scope="repository:kaito-project/aikit/base:pull"`,
      });
      return res.end();
    }
    const m = /^\/v2\/kaito-project\/aikit\/base\/manifests\/(.+)$/.exec(url);
    if (m?.[1] === 'latest') return res.end(index);
    if (m && byDigest[m[1]!]) return res.end(byDigest[m[1]!]);
    res.writeHead(404).end();
    return undefined;
  });
  await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, configs, index, binary };
}

describe('scripts/pins.ts', () => {
  it('pins catalog names from mirrors, through the token flow, and lists what it could not read', async () => {
    const m = await mirror();
    const url = 'https://github.com/mudler/LocalAI/releases/download/v4.7.1/local-ai-v4.7.1-linux-amd64';
    const { pins, missing } = await resolvePins(
      [
        { kind: 'image', key: 'ghcr.io/kaito-project/aikit/base:latest', arches: ['amd64', 'arm64'] },
        { kind: 'image', key: 'ghcr.io/kaito-project/aikit/cuda/base:latest', arches: ['amd64'] },
        { kind: 'localai', key: url, arches: ['amd64'] },
      ],
      {
        registryMirrors: { 'ghcr.io': m.host },
        urlMirrors: { 'https://github.com/': `http://${m.host}/files/` },
      },
    );
    expect(pins).toEqual({
      images: {
        'ghcr.io/kaito-project/aikit/base:latest': {
          digest: sha(m.index),
          platforms: { 'linux/amd64': sha(m.configs.amd64), 'linux/arm64': sha(m.configs.arm64) },
        },
      },
      localai: { [url]: sha(m.binary) },
    });
    expect(missing).toHaveLength(1);
    expect(missing[0]).toMatch(/^ghcr.io\/kaito-project\/aikit\/cuda\/base:latest: .*404/);
    // What it writes is what the frontend reads, and Prettier leaves it as it is.
    const text = await pinsModule(pins);
    const dir = await mkdtemp(join(tmpdir(), 'aikit-pins-'));
    await writeFile(join(dir, 'pins.generated.ts'), text);
    const mod = (await import(join(dir, 'pins.generated.ts'))) as { RELEASE_PINS: unknown };
    expect(parsePins(mod.RELEASE_PINS)).toEqual(pins);
    expect(
      await prettier.check(text, { ...(await prettier.resolveConfig(ROOT_FILE)), parser: 'typescript' }),
    ).toBe(true);
  });
});
