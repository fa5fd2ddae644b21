import { describe, expect, it } from 'vitest';
import { digestOf } from '../oci/index.js';
import { AikitError } from '../util/errors.js';
import { topLevelFieldNumbers } from './encode.js';
import {
  Caps,
  copy,
  decodeDefinition,
  diff,
  dumpDefinition,
  encodeDefinition,
  http,
  image,
  local,
  marshal,
  merge,
  mkdir,
  mkfile,
  rm,
  scratch,
  type Definition,
  type Platform,
  type SourceInfo,
  type State,
} from './index.js';

// ---- hand-rolled protobuf helpers, deliberately independent of encode.ts ----
const te = new TextEncoder();
function varint(n: bigint | number): number[] {
  let x = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  while (x >= 0x80n) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
  return out;
}
const vfield = (no: number, n: bigint | number): number[] => [...varint(no << 3), ...varint(n)];
const lfield = (no: number, body: number[]): number[] => [
  ...varint((no << 3) | 2),
  ...varint(body.length),
  ...body,
];
const sfield = (no: number, s: string): number[] => lfield(no, [...te.encode(s)]);
const mapEntry = (no: number, k: string, v: string): number[] =>
  lfield(no, [...sfield(1, k), ...sfield(2, v)]);

const amd64: Platform = { os: 'linux', architecture: 'amd64' };
const arm64: Platform = { os: 'linux', architecture: 'arm64' };
const CHECKSUM = `sha256:${'0123456789abcdef'.repeat(4)}`;
const IMAGE_DIGEST = `sha256:${'fedcba9876543210'.repeat(4)}`;

/** Digest of the op the state's terminal op points at. */
function headDigest(d: Definition): string {
  const dump = dumpDefinition(d);
  const terminal = dump[dump.length - 1]?.Op as { inputs: { digest: string }[] };
  return terminal.inputs[0]?.digest ?? '';
}

function ctx(): State {
  return local('context', { sessionId: 'sess', sharedKeyHint: 'context' });
}

/** A graph touching every op kind, for determinism and roundtrip tests. */
function graph(): State {
  const base = image('python:3.12-slim', { platform: amd64, resolveMode: 'pull' });
  const weights = http('https://example.com/m.gguf', { checksum: CHECKSUM, filename: 'm.gguf', perm: 0o444 });
  const files = base.file(
    mkdir('/app', 0o755, { makeParents: true })
      .mkfile('/app/config.json', 0o644, '{"a":1}\n')
      .copy(ctx(), 'src/', '/app/', { createDestPath: true, owner: { uid: 1000, gid: 1000 } }),
    { name: '[aikit] files' },
  );
  const built = files
    .run({
      args: ['pip', 'install', '.'],
      cwd: '/app',
      env: ['PIP_NO_CACHE_DIR=1'],
      network: 'none',
      mounts: [
        { dest: '/root/.cache/pip', type: 'cache', cacheId: 'pip' },
        { dest: '/models', source: weights, readonly: true },
        { dest: '/tmp', type: 'tmpfs' },
        { dest: '/run/secrets/hf', type: 'secret', secretId: 'hf' },
      ],
    })
    .root();
  const layer = scratch().file(copy(weights, '/m.gguf', '/models/m.gguf'));
  return diff(base, merge([built, layer]));
}

describe('pinned digests, one per op kind', () => {
  // prettier-ignore
  const cases: [string, () => State, string][] = [
    ['image with platform + resolvemode', () => image('alpine:3.20', { platform: arm64, resolveMode: 'local' }), 'sha256:e85035e9efddb414d1f14de4f4be465b8e4f7523ede665899ecb44e969192f48'],
    ['image pinned by digest', () => image('alpine:3.20', { platform: amd64, digest: IMAGE_DIGEST }), 'sha256:25f48bcb5775499e5314307de72081fdcd33f1032c5c8d0d53c899c3f166e843'],
    ['http with checksum/filename/perm', () => http('https://example.com/a.bin', { checksum: CHECKSUM, filename: 'a.bin', perm: 0o755 }), 'sha256:35db9a949fc7f739282c42f95d251fd6f69172c391dcb510013360cc93b9d8f5'],
    ['local with followpaths/sessionid/sharedkeyhint', () => local('dockerfile', { sessionId: 'sess', sharedKeyHint: 'dockerfile', followPaths: ['aikitfile.yaml'], differ: 'none' }), 'sha256:6229f5f253105dd5cfb8cac21e947ee0d1dec4d93ffdcef9b035f901f1e316c1'],
    ['file op mkdir + mkfile', () => scratch().file(mkdir('/etc/aikit', 0o755, { makeParents: true }).mkfile('/etc/aikit/x', 0o600, 'hello')), 'sha256:d35890a71cb66a50bf94f802c085c6a929146514fcbdee1f909d9e34342aa63d'],
    ['copy with mode/owner/createDestPath', () => image('alpine:3.20', { platform: amd64 }).file(copy(ctx(), 'a.txt', '/dst/', { mode: 0o644, owner: { uid: 1000, gid: 0 }, createDestPath: true })), 'sha256:97d2d03b1ef5af77e19e158a69266687343c2b4e5d2f2889332416df10134f9d'],
    ['exec with mounts and network none', () => image('alpine:3.20', { platform: amd64 }).run({ args: ['sh', '-c', 'true'], network: 'none', mounts: [{ dest: '/src', source: ctx(), readonly: true }, { dest: '/cache', type: 'cache', cacheId: 'c' }, { dest: '/out', source: scratch() }] }).root(), 'sha256:7f7af3e4d7acc1af0695605118e00d7d72e5fed10357a7b05e90fc68d7586fdb'],
    ['merge', () => merge([image('alpine:3.20', { platform: amd64 }), ctx()]), 'sha256:87ef69c017c8c7aea0175255ea3089ceaf8557edafe88f99be00af5d62a84305'],
    ['diff', () => diff(image('alpine:3.20', { platform: amd64 }), ctx()), 'sha256:ac9a73669fb27a5b10b74a238bb89069003d72b50b0cd30da9d12b2fb8f942ee'],
  ];
  it.each(cases)('%s', (_name, build, want) => {
    expect(headDigest(marshal(build(), { platform: amd64 }))).toBe(want);
  });
});

describe('canonical bytes, checked against hand-built protobuf', () => {
  it('local source op: constraints {} before the oneof, attrs sorted, no platform', () => {
    const d = marshal(ctx(), { platform: amd64 });
    const want = [
      ...lfield(11, []),
      ...lfield(3, [
        ...sfield(1, 'local://context'),
        ...mapEntry(2, 'local.session', 'sess'),
        ...mapEntry(2, 'local.sharedkeyhint', 'context'),
      ]),
    ];
    expect([...(d.def[0] ?? [])]).toEqual(want);
    expect(d.def).toHaveLength(2);
    expect([...(d.def[1] ?? [])]).toEqual(lfield(1, sfield(1, digestOf(Uint8Array.from(want)))));
  });

  it('copy file op: inputs, constraints, then file; mode, owner byID 0, timestamp -1', () => {
    const st = image('alpine:3.20', { platform: amd64 }).file(
      copy(ctx(), 'a.txt', '/dst/', { mode: 0o644, owner: { uid: 1000, gid: 0 }, createDestPath: true }),
    );
    const d = marshal(st, { platform: amd64 });
    const imageOp = [
      ...lfield(10, [...sfield(1, 'amd64'), ...sfield(2, 'linux')]),
      ...lfield(11, []),
      ...lfield(3, sfield(1, 'docker-image://docker.io/library/alpine:3.20')),
    ];
    const localOp = [
      ...lfield(11, []),
      ...lfield(3, [
        ...sfield(1, 'local://context'),
        ...mapEntry(2, 'local.session', 'sess'),
        ...mapEntry(2, 'local.sharedkeyhint', 'context'),
      ]),
    ];
    const copyAction = [
      // input 0 and output 0 are proto3 defaults, so only secondaryInput 1 is written
      ...vfield(2, 1),
      ...lfield(4, [
        ...sfield(1, '/a.txt'),
        ...sfield(2, '/dst/'),
        ...lfield(3, [...lfield(1, vfield(2, 1000)), ...lfield(2, vfield(2, 0))]),
        ...vfield(4, 0o644),
        ...vfield(8, 1),
        ...vfield(11, -1),
      ]),
    ];
    const fileOp = [
      ...lfield(1, sfield(1, digestOf(Uint8Array.from(imageOp)))),
      ...lfield(1, sfield(1, digestOf(Uint8Array.from(localOp)))),
      ...lfield(11, []),
      ...lfield(4, lfield(2, copyAction)),
    ];
    expect(d.def.map((b) => [...b])).toEqual([
      imageOp,
      localOp,
      fileOp,
      lfield(1, sfield(1, digestOf(Uint8Array.from(fileOp)))),
    ]);
  });

  it('puts the oneof last in exec ops', () => {
    const d = marshal(graph(), { platform: amd64 });
    const exec = dumpDefinition(d).findIndex((e) => 'exec' in e.Op);
    expect(topLevelFieldNumbers(d.def[exec] ?? new Uint8Array())).toEqual([1, 1, 10, 11, 2]);
    for (const b of d.def.slice(0, -1)) {
      const fields = topLevelFieldNumbers(b);
      expect(fields.slice(-1)[0]).toBeLessThan(10);
      expect(fields.filter((f) => f < 10 && f !== 1)).toHaveLength(1);
    }
  });
});

describe('graph shape', () => {
  it('marshals scratch as an empty definition', () => {
    expect(marshal(scratch())).toEqual({ def: [], metadata: {} });
  });

  it('dedupes identical ops, puts dependencies first and the terminal op last', () => {
    const a = image('alpine', { platform: amd64 });
    const b = image('alpine', { platform: amd64 });
    const d = marshal(merge([a, b, a.file(mkdir('/x', 0o755))]), { platform: amd64 });
    const dump = dumpDefinition(d);
    expect(dump).toHaveLength(4);
    expect(Object.keys(dump[0]?.Op ?? {})).toContain('source');
    expect(Object.keys(dump[3]?.Op ?? {})).toEqual(['inputs']);
    const mergeOp = dump[2]?.Op as { inputs: unknown[]; merge: { inputs: unknown[] } };
    expect(mergeOp.merge.inputs).toEqual([{ input: 0 }, { input: 1 }, { input: 2 }]);
  });

  it('sets platform only on image sources and exec ops', () => {
    const d = marshal(graph(), { platform: arm64 });
    for (const e of dumpDefinition(d)) {
      const op = e.Op as Record<string, { identifier?: string } | undefined>;
      const wantPlatform = 'exec' in op || (op.source?.identifier ?? '').startsWith('docker-image://');
      expect('platform' in op, JSON.stringify(op)).toBe(wantPlatform);
    }
  });

  it('uses the state platform for exec ops and the marshal default otherwise', () => {
    const run = (s: State): unknown =>
      (
        dumpDefinition(marshal(s.run({ args: ['true'] }).root(), { platform: amd64 })).at(-2)?.Op as {
          platform: unknown;
        }
      ).platform;
    expect(run(image('alpine'))).toEqual({ Architecture: 'amd64', OS: 'linux' });
    expect(run(image('alpine', { platform: arm64 }))).toEqual({ Architecture: 'arm64', OS: 'linux' });
    expect(run(image('alpine').withPlatform({ os: 'linux', architecture: 'arm', variant: 'v7' }))).toEqual({
      Architecture: 'arm',
      OS: 'linux',
      Variant: 'v7',
    });
  });

  it('numbers exec outputs over writable mounts sorted by dest', () => {
    const e = image('alpine', { platform: amd64 }).run({
      args: ['true'],
      mounts: [
        { dest: '/z', source: scratch() },
        { dest: '/a', source: scratch() },
        { dest: '/ro', source: ctx(), readonly: true },
      ],
    });
    const inputOf = (s: State): unknown =>
      (dumpDefinition(marshal(s)).at(-1)?.Op as { inputs: unknown[] }).inputs[0];
    expect(inputOf(e)).toMatchObject({ index: 0 });
    expect(inputOf(e.getMount('/a'))).toMatchObject({ index: 1 });
    expect(inputOf(e.getMount('/z'))).toMatchObject({ index: 2 });
    // a readonly mount's state is its source
    expect(headDigest(marshal(e.getMount('/ro')))).toBe(headDigest(marshal(ctx())));
    expect(() => e.getMount('/nope')).toThrow(AikitError);
    const c = image('alpine').run({
      args: ['true'],
      mounts: [
        { dest: '/c', type: 'cache', cacheId: 'c' },
        { dest: '/t', type: 'tmpfs' },
        { dest: '/e', readonly: true },
      ],
    });
    expect(() => c.getMount('/c')).toThrow(/cache mount \/c cannot be used/);
    expect(() => c.getMount('/t')).toThrow(/tmpfs/);
    expect(c.getMount('/e').isScratch()).toBe(true);
  });

  it('records file.symlink.create and the include/exclude cap Go intends', () => {
    const st = scratch().file(
      copy(ctx(), '/', '/out', { includePatterns: ['*.gguf'], excludePatterns: ['x'] }).symlink('a', '/b'),
    );
    const md = dumpDefinition(marshal(st)).at(-2)?.OpMetadata.caps;
    expect(Object.keys(md as object)).toEqual([
      'file.base',
      'file.copy.includeexcludepatterns',
      'file.symlink.create',
    ]);
  });

  it('addresses earlier actions of the same file op as n + k', () => {
    const st = image('alpine', { platform: amd64 }).file(
      mkdir('/a', 0o755).copy(ctx(), 'x', '/a/x').rm('/tmp', { allowNotFound: true }),
    );
    const file = dumpDefinition(marshal(st)).at(-2)?.Op as { file: { actions: Record<string, unknown>[] } };
    expect(file.file.actions.map((a) => [a.input, a.secondaryInput, a.output])).toEqual([
      [0, -1, -1],
      [2, 1, -1],
      [3, -1, 0],
    ]);
  });

  it('resolves relative paths against the state directory like Go', () => {
    const st = image('alpine', { platform: amd64 })
      .dir('/app')
      .file(mkdir('data', 0o755).copy(ctx().dir('/src'), 'pkg/', 'out/.'));
    const file = dumpDefinition(marshal(st)).at(-2)?.Op as {
      file: { actions: { mkdir?: { path: string }; copy?: { src: string; dest: string } }[] };
    };
    expect(file.file.actions[0]?.mkdir?.path).toBe('/app/data');
    expect(file.file.actions[1]?.copy).toMatchObject({ src: '/src/pkg', dest: '/app/out/.' });
  });

  it('returns the only non-scratch input of merge and the upper state of diff on scratch', () => {
    const a = image('alpine', { platform: amd64 });
    expect(headDigest(marshal(merge([scratch(), a])))).toBe(headDigest(marshal(a)));
    expect(merge([scratch(), scratch()]).isScratch()).toBe(true);
    expect(headDigest(marshal(diff(scratch(), a)))).toBe(headDigest(marshal(a)));
  });

  it('adds local.unique when a local source has no session', () => {
    const d = marshal(local('context'), { localUniqueId: 'u1' });
    const op = dumpDefinition(d)[0]?.Op as { source: { attrs: Record<string, string> } };
    expect(op.source.attrs).toEqual({ 'local.unique': 'u1' });
    expect(d.metadata[dumpDefinition(d)[0]?.Digest ?? '']?.caps).toHaveProperty(Caps.SourceLocalUnique, true);
  });

  it('writes image digests and skips the default resolve mode', () => {
    const op = dumpDefinition(
      marshal(image('alpine:3.20', { digest: IMAGE_DIGEST, resolveMode: 'default' })),
    )[0]?.Op as { source: { identifier: string; attrs?: unknown } };
    expect(op.source.identifier).toBe(`docker-image://docker.io/library/alpine:3.20@${IMAGE_DIGEST}`);
    expect(op.source.attrs).toBeUndefined();
    expect(() => image('alpine', { digest: 'sha256:nope' })).toThrow(AikitError);
  });

  it('validates http sources', () => {
    expect(() => http('ftp://x/y')).toThrow(/scheme/);
    expect(() => http('https://x/y', { checksum: 'md5:abc' })).toThrow(AikitError);
    const op = dumpDefinition(marshal(http('https://x/y', { uid: 1000, gid: 1000, perm: 0o600 })))[0]?.Op as {
      source: { attrs: Record<string, string> };
    };
    expect(op.source.attrs).toEqual({ 'http.gid': '1000', 'http.perm': '0600', 'http.uid': '1000' });
  });

  it('escapes JSON attrs the way Go does', () => {
    const op = dumpDefinition(marshal(local('c', { sessionId: 's', excludePatterns: ['a&b', '<x>'] })))[0]
      ?.Op as {
      source: { attrs: Record<string, string> };
    };
    expect(op.source.attrs['local.excludepatterns']).toBe('["a\\u0026b","\\u003cx\\u003e"]');
  });
});

describe('determinism', () => {
  it('marshals the same graph 20 times to identical bytes', () => {
    const first = encodeDefinition(marshal(graph(), { platform: amd64 }));
    for (let i = 0; i < 20; i++) {
      expect(encodeDefinition(marshal(graph(), { platform: amd64 }))).toEqual(first);
    }
  });

  it('does not depend on option or map insertion order', () => {
    const a = local('ctx', {
      sessionId: 's',
      followPaths: ['f'],
      sharedKeyHint: 'h',
      excludePatterns: ['e'],
    });
    const b = local('ctx', {
      excludePatterns: ['e'],
      sharedKeyHint: 'h',
      followPaths: ['f'],
      sessionId: 's',
    });
    expect(marshal(a).def).toEqual(marshal(b).def);
    const d = marshal(graph(), { platform: amd64 });
    const shuffled: Definition = { ...d, metadata: Object.fromEntries(Object.entries(d.metadata).reverse()) };
    expect(encodeDefinition(shuffled)).toEqual(encodeDefinition(d));
  });
});

describe('caps', () => {
  const all = new Set<string>(Object.values(Caps));

  it('records the caps each op needs, and constraints/platform on the terminal op', () => {
    const d = marshal(graph(), { platform: amd64 });
    const md = dumpDefinition(d).map((e) => Object.keys(e.OpMetadata.caps as object));
    expect(md).toContainEqual(['source.image', 'source.image.resolvemode']);
    expect(md).toContainEqual(['source.http', 'source.http.checksum', 'source.http.perm']);
    expect(md).toContainEqual(['mergeop']);
    expect(md).toContainEqual(['diffop']);
    expect(md.at(-1)).toEqual(['constraints', 'meta.description', 'platform']);
    const exec = md.find((c) => c.includes('exec.meta.base'));
    expect(exec).toEqual([
      'exec.meta.base',
      'exec.meta.network',
      'exec.mount.bind',
      'exec.mount.cache',
      'exec.mount.cache.sharing',
      'exec.mount.secret',
      'exec.mount.tmpfs',
    ]);
  });

  it('throws CAP_UNSUPPORTED naming the missing cap', () => {
    const have = new Set(all);
    have.delete(Caps.SourceHttpChecksum);
    let err: unknown;
    try {
      marshal(http('https://x/y', { checksum: CHECKSUM }), { caps: have });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AikitError);
    expect((err as AikitError).code).toBe('CAP_UNSUPPORTED');
    expect((err as AikitError).message).toBe('the build engine lacks capability "source.http.checksum"');
    expect((err as AikitError).hint).toBeTruthy();
  });

  it('names the first missing cap in graph order', () => {
    const have = new Set(all);
    have.delete(Caps.FileBase);
    have.delete(Caps.SourceImage);
    expect(() => marshal(image('alpine').file(mkdir('/x', 0o755)), { caps: have })).toThrow(
      /"source\.image"/,
    );
  });

  it('names the BuildKit version for caps newer than v0.8', () => {
    const have = new Set(all);
    have.delete(Caps.MergeOp);
    expect(() => marshal(merge([image('a'), image('b')]), { caps: have })).toThrow(
      expect.objectContaining({ code: 'CAP_UNSUPPORTED', hint: expect.stringMatching(/v0\.10/) }),
    );
  });

  it('passes when every cap is present, and then relies on the daemon for PATH', () => {
    const d = marshal(graph(), { platform: amd64, caps: all });
    const exec = dumpDefinition(d).find((e) => 'exec' in e.Op);
    expect(exec?.OpMetadata.caps).toHaveProperty(Caps.ExecMetaSetsDefaultPath, true);
  });

  it('adds a default PATH, like Go, when the daemon cannot', () => {
    const have = new Set(all);
    have.delete(Caps.ExecMetaSetsDefaultPath);
    const d = marshal(
      image('alpine')
        .run({ args: ['true'] })
        .root(),
      { caps: have },
    );
    const exec = dumpDefinition(d).find((e) => 'exec' in e.Op)?.Op as { exec: { meta: { env: string[] } } };
    expect(exec.exec.meta.env).toEqual(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
  });
});

describe('metadata', () => {
  it('keeps digests independent of names, ignoreCache and progress groups', () => {
    const plain = marshal(image('alpine', { platform: amd64 }));
    const named = marshal(
      image('alpine', {
        platform: amd64,
        name: '[aikit] base',
        ignoreCache: true,
        progressGroup: { id: 'g', name: 'G' },
      }),
    );
    expect(named.def).toEqual(plain.def);
    const md = named.metadata[headDigest(named)];
    expect(md).toEqual({
      ignore_cache: true,
      description: { 'llb.customname': '[aikit] base' },
      caps: { 'source.image': true },
      progress_group: { id: 'g', name: 'G' },
    });
    const terminal = named.metadata[digestOf(named.def.at(-1) ?? new Uint8Array())];
    expect(Object.keys(terminal?.caps ?? {})).toEqual([
      'constraints',
      'meta.description',
      'meta.ignorecache',
      'platform',
    ]);
  });

  it('sets ignore_cache on every op for MarshalOptions.ignoreCache', () => {
    const d = marshal(graph(), { ignoreCache: true });
    for (const [digest, md] of Object.entries(d.metadata)) {
      if (digest !== digestOf(d.def.at(-1) ?? new Uint8Array())) expect(md.ignore_cache).toBe(true);
    }
  });

  it('keys source locations by op digest and dedupes infos', () => {
    const info: SourceInfo = {
      filename: 'aikitfile.yaml',
      data: te.encode('a: 1\nb: 2\n'),
      language: 'yaml',
    };
    const same: SourceInfo = { ...info, data: te.encode('a: 1\nb: 2\n') };
    const a = image('alpine', {
      location: { source: info, ranges: [{ start: { line: 1 }, end: { line: 1 } }] },
    });
    const b = a.file(mkfile('/x', 0o644, 'x'), {
      location: {
        source: same,
        ranges: [{ start: { line: 2, character: 3 }, end: { line: 2, character: 7 } }],
      },
    });
    const d = marshal(b, { platform: amd64 });
    const dump = dumpDefinition(d);
    expect(d.Source?.infos).toEqual([{ filename: 'aikitfile.yaml', data: info.data, language: 'yaml' }]);
    expect(d.Source?.locations).toEqual({
      [dump[0]?.Digest ?? '']: {
        locations: [{ sourceIndex: 0, ranges: [{ start: { line: 1 }, end: { line: 1 } }] }],
      },
      [dump[1]?.Digest ?? '']: {
        locations: [
          { sourceIndex: 0, ranges: [{ start: { line: 2, character: 3 }, end: { line: 2, character: 7 } }] },
        ],
      },
    });
    expect(marshal(image('alpine')).Source).toBeUndefined();
  });
});

describe('encode / decode / dump', () => {
  it('roundtrips a definition', () => {
    const info: SourceInfo = { filename: 'f.yaml', data: te.encode('x: 1\n') };
    const d = marshal(
      graph().file(rm('/x', { allowWildcard: true }), {
        name: 'rm',
        location: { source: info, ranges: [{ start: { line: 1, character: 1 }, end: { line: 1 } }] },
      }),
      { platform: amd64 },
    );
    const back = decodeDefinition(encodeDefinition(d));
    expect(back).toEqual(d);
    expect(encodeDefinition(back)).toEqual(encodeDefinition(d));
  });

  it('dumps stably with fixed key order', () => {
    const d = marshal(graph(), { platform: amd64 });
    const a = JSON.stringify(dumpDefinition(d));
    expect(JSON.stringify(dumpDefinition(decodeDefinition(encodeDefinition(d))))).toBe(a);
    const mkfileDump = dumpDefinition(marshal(scratch().file(mkfile('/b', 0o600, Uint8Array.of(0, 255)))))[0];
    expect(mkfileDump?.Op).toEqual({
      file: {
        actions: [
          {
            input: -1,
            secondaryInput: -1,
            output: 0,
            mkfile: { path: '/b', mode: 0o600, data: { base64: 'AP8=' }, timestamp: -1 },
          },
        ],
      },
      constraints: {},
    });
    const sourceDump = dumpDefinition(
      marshal(image('alpine:3.20', { platform: amd64, resolveMode: 'pull' })),
    );
    expect(sourceDump).toEqual([
      {
        Op: {
          source: {
            identifier: 'docker-image://docker.io/library/alpine:3.20',
            attrs: { 'image.resolvemode': 'pull' },
          },
          platform: { Architecture: 'amd64', OS: 'linux' },
          constraints: {},
        },
        Digest: sourceDump[0]?.Digest,
        OpMetadata: { caps: { 'source.image': true, 'source.image.resolvemode': true } },
      },
      {
        Op: { inputs: [{ digest: sourceDump[0]?.Digest, index: 0 }] },
        Digest: sourceDump[1]?.Digest,
        OpMetadata: { caps: { constraints: true, platform: true } },
      },
    ]);
  });
});
