import { describe, expect, it } from 'vitest';
import { Caps, dumpDefinition, marshal, type State } from '../llb/index.js';
import type { OciSource } from '../aikitfile/index.js';
import { AikitError } from '../util/errors.js';
import { sourceSettings } from './models.js';
import {
  blobSource,
  DEFAULT_OCI_PULL,
  manifestProblem,
  manifestStep,
  ORAS_IMAGE,
  pullProblem,
} from './oci-pull.js';

const DIGEST = `sha256:${'c'.repeat(64)}`;
const remote = { registry: 'ghcr.io', repository: 'acme/model', ref: 'ghcr.io/acme/model:v1' } as OciSource;
const loopback = {
  registry: '127.0.0.1:5000',
  repository: 'acme/model',
  ref: '127.0.0.1:5000/acme/model:v1',
} as OciSource;

interface Dumped {
  Op: {
    source?: { identifier: string; attrs?: Record<string, string> };
    exec?: {
      meta: { args: string[] };
      network?: string;
      mounts: { dest: string; secretOpt?: { ID: string; optional?: boolean } }[];
    };
  };
  OpMetadata: { ignore_cache?: boolean; caps?: Record<string, boolean> };
}

const ops = (st: State) => dumpDefinition(marshal(st)) as unknown as Dumped[];
const execOf = (st: State) => ops(st).find((o) => o.Op.exec)!;

describe('manifestStep', () => {
  it('runs oras on the manifest, ignoring the cache for a tag', () => {
    const op = execOf(manifestStep(remote, 'v1', DEFAULT_OCI_PULL, 'resolve'));
    expect(op.Op.exec!.meta.args.slice(3)).toEqual([
      'aikit-oci-pull',
      'manifest',
      'ghcr.io/acme/model:v1',
      '',
      '',
    ]);
    expect(op.OpMetadata.ignore_cache).toBe(true);
    expect(
      ops(manifestStep(remote, 'v1', DEFAULT_OCI_PULL, 'r')).map((o) => o.Op.source?.identifier),
    ).toContain(`docker-image://${ORAS_IMAGE}`);
  });

  it('keeps the cache for a digest, which cannot move', () => {
    const op = execOf(manifestStep(remote, DIGEST, DEFAULT_OCI_PULL, 'resolve'));
    expect(op.Op.exec!.meta.args[5]).toBe(`ghcr.io/acme/model@${DIGEST}`);
    expect(op.OpMetadata.ignore_cache ?? false).toBe(false);
  });

  it('mounts the credentials as an optional secret, so anonymous builds need none', () => {
    const op = execOf(manifestStep(remote, 'v1', { ...DEFAULT_OCI_PULL, registrySecret: 'regcreds' }, 'r'));
    const secret = op.Op.exec!.mounts.find((m) => m.secretOpt)!;
    expect(secret.secretOpt).toMatchObject({ ID: 'regcreds', optional: true });
  });

  it('uses the host network and plain HTTP only for loopback registries (auto)', () => {
    const local = execOf(manifestStep(loopback, 'v1', DEFAULT_OCI_PULL, 'r')).Op.exec!;
    const far = execOf(manifestStep(remote, 'v1', DEFAULT_OCI_PULL, 'r')).Op.exec!;
    expect(local.network).toBe('HOST');
    expect(local.meta.args.at(-1)).toBe('--plain-http');
    expect(far.network ?? 'UNSET').toBe('UNSET');
    expect(far.meta.args).not.toContain('--plain-http');
    const forced = execOf(manifestStep(remote, 'v1', { ...DEFAULT_OCI_PULL, network: 'host' }, 'r')).Op.exec!;
    expect(forced.network).toBe('HOST');
  });
});

describe('blobSource', () => {
  it('pulls by digest with oras in a cached step that checks the sha256', () => {
    const op = execOf(blobSource(remote, DIGEST, 'm.gguf', DEFAULT_OCI_PULL, { name: 'pull' }));
    expect(op.Op.exec!.meta.args.slice(4, 8)).toEqual([
      'blob',
      `ghcr.io/acme/model@${DIGEST}`,
      'm.gguf',
      'c'.repeat(64),
    ]);
    expect(op.OpMetadata.ignore_cache ?? false).toBe(false);
  });

  it('takes the blob from the daemon where the engine has source.imageblob', () => {
    const st = blobSource(
      remote,
      DIGEST,
      'm.gguf',
      { ...DEFAULT_OCI_PULL, daemonBlobs: true },
      { name: 'pull' },
    );
    const all = ops(st);
    expect(all.some((o) => o.Op.exec)).toBe(false);
    expect(all[0]!.Op.source).toEqual({
      identifier: `docker-image+blob://ghcr.io/acme/model@${DIGEST}`,
      attrs: { 'http.filename': 'm.gguf' },
    });
  });
});

describe('sourceSettings for oci', () => {
  it('reads the build-args and the engine cap', () => {
    const s = sourceSettings(
      { AIKIT_ORAS_IMAGE: 'mirror/oras:1', AIKIT_REGISTRY_SECRET: 'reg', AIKIT_OCI_NETWORK: 'sandbox' },
      new Set([Caps.SourceImageBlob]),
    );
    expect(s.oci).toEqual({
      orasImage: 'mirror/oras:1',
      registrySecret: 'reg',
      network: 'sandbox',
      daemonBlobs: true,
    });
    expect(sourceSettings({}).oci).toEqual(DEFAULT_OCI_PULL);
  });

  it('refuses an unknown network', () => {
    expect(() => sourceSettings({ AIKIT_OCI_NETWORK: 'bridge' })).toThrow(AikitError);
  });
});

describe('pullProblem', () => {
  const st = (s: string) => Buffer.from(s);
  it('is silent when the step read the manifest', () => {
    expect(pullProblem(st('ok\n'), remote, DEFAULT_OCI_PULL)).toBeUndefined();
  });

  it.each([
    [
      '401',
      'Error: GET "https://ghcr.io/v2/acme/model/manifests/v1": response status code 401: unauthorized: authentication required',
      /wants credentials.*401/,
      /docker login ghcr\.io.*--secret id=docker-config/,
    ],
    [
      '403',
      'Error: response status code 403: denied: requested access to the resource is denied',
      /denied.*403/,
      /lack pull access/,
    ],
    [
      '404',
      'Error: ghcr.io/acme/model:v1: not found',
      /not found \(404\)/,
      /check the registry, repository and tag/,
    ],
    ['refused', 'Error: dial tcp 127.0.0.1:5000: connect: connection refused', /cannot reach/, /network/],
  ])('explains %s', (_name, text, message, hint) => {
    const p = pullProblem(st(`error\n${text}\n`), remote, DEFAULT_OCI_PULL)!;
    expect(p.message).toMatch(message);
    expect(p.hint).toMatch(hint);
  });

  it('names the secret id the build uses', () => {
    const p = pullProblem(st('error\nresponse status code 401'), remote, {
      ...DEFAULT_OCI_PULL,
      registrySecret: 'reg',
    })!;
    expect(p.hint).toContain('--secret id=reg,');
  });

  it('tells loopback users about the host network', () => {
    const p = pullProblem(st('error\nconnect: connection refused'), loopback, DEFAULT_OCI_PULL)!;
    expect(p.hint).toMatch(/--allow network\.host/);
  });
});

describe('manifestProblem', () => {
  const doc = (d: unknown) => Buffer.from(JSON.stringify(d));
  it.each([
    'application/vnd.oci.image.manifest.v1+json',
    'application/vnd.oci.image.index.v1+json',
    'application/vnd.docker.distribution.manifest.v2+json',
    undefined,
  ])('accepts %s', (mediaType) => {
    expect(manifestProblem(doc({ schemaVersion: 2, mediaType, layers: [] }), remote)).toBeUndefined();
  });

  it('names an unknown media type with the fix', () => {
    const p = manifestProblem(
      doc({ mediaType: 'application/vnd.docker.distribution.manifest.v1+prettyjws' }),
      remote,
    )!;
    expect(p.message).toMatch(
      /unknown media type "application\/vnd\.docker\.distribution\.manifest\.v1\+prettyjws"/,
    );
    expect(p.hint).toMatch(/oras push/);
  });

  it('says when the answer is not JSON', () => {
    expect(manifestProblem(Buffer.from('<html>'), remote)!.message).toMatch(
      /not answer with a JSON manifest/,
    );
  });
});
