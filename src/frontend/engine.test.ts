import { describe, expect, it } from 'vitest';
import type { MetadataRequest } from '../convert/index.js';
import { BuildkitError, type FrontendContext } from '../gateway/index.js';
import { scratch } from '../llb/index.js';
import { AikitError } from '../util/errors.js';
import { engineMetadataFetcher } from './engine.js';

/** A context whose client answers Solve with one ref and ReadFile from `files` (missing: NotFound). */
function fakeContext(files: Record<string, string>) {
  const calls: string[] = [];
  const client = {
    solve: () => {
      calls.push('Solve');
      return Promise.resolve('ref-1');
    },
    readFile: (_ref: string, path: string) => {
      calls.push(`ReadFile ${path}`);
      const data = files[path];
      return data === undefined
        ? Promise.reject(
            new BuildkitError('ReadFile', { code: 5, message: `open ${path}: no such file`, details: [] }),
          )
        : Promise.resolve(Buffer.from(data));
    },
  };
  const ctx = { client, caps: { llbCaps: new Set<string>(), frontendCaps: new Set<string>() } };
  return { ctx: ctx as unknown as FrontendContext, calls };
}

function request(withStatus: boolean): MetadataRequest {
  return {
    key: 'k',
    kind: 'oci-manifest',
    state: scratch(),
    url: 'https://registry.example/v2/m/manifests/1',
    headers: {},
    path: 'manifest.json',
    description: 'the manifest of oci://registry.example/m:1',
    model: { name: 'm', index: 0 } as MetadataRequest['model'],
    ...(withStatus
      ? {
          status: {
            path: 'status',
            problem: (s: Uint8Array) =>
              Buffer.from(s).toString() === 'ok'
                ? undefined
                : { message: 'the registry said 404', hint: 'check the tag' },
            documentProblem: (d: Uint8Array) =>
              Buffer.from(d).toString() === '{}'
                ? { message: 'empty manifest', hint: 'push it again' }
                : undefined,
          },
        }
      : {}),
  };
}

describe('engineMetadataFetcher', () => {
  it('reads the step status and the document in one round trip and returns the document', async () => {
    const { ctx, calls } = fakeContext({ status: 'ok', 'manifest.json': '{"layers":[]}' });
    const doc = await engineMetadataFetcher(ctx, 'aikitfile.yaml', () => undefined)(request(true));
    expect(Buffer.from(doc).toString()).toBe('{"layers":[]}');
    expect(calls).toEqual(['Solve', 'ReadFile manifest.json', 'ReadFile status']);
  });

  it("judges the status first: its problem is the error, not the missing document's", async () => {
    const { ctx } = fakeContext({ status: 'denied' });
    const err = await engineMetadataFetcher(
      ctx,
      'aikitfile.yaml',
      () => undefined,
    )(request(true)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AikitError);
    expect((err as AikitError).issues?.[0]?.message).toContain('the registry said 404');
  });

  it('then the document: a bad one fails at the model, an unreadable one says why', async () => {
    const bad = fakeContext({ status: 'ok', 'manifest.json': '{}' });
    const e1 = await engineMetadataFetcher(
      bad.ctx,
      'f',
      () => undefined,
    )(request(true)).catch((e: unknown) => e);
    expect((e1 as AikitError).issues?.[0]?.message).toContain('empty manifest');
    const missing = fakeContext({});
    const e2 = await engineMetadataFetcher(
      missing.ctx,
      'f',
      () => undefined,
    )(request(false)).catch((e: unknown) => e);
    expect((e2 as AikitError).issues?.[0]?.message).toContain('no such file');
    expect(missing.calls).toEqual(['Solve', 'ReadFile manifest.json']);
  });
});
