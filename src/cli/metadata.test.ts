import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { MetadataRequest } from '../convert/index.js';
import { AikitError } from '../util/errors.js';
import { networkFetcher, placeholderFetcher } from './metadata.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

/** A server answering every request with `status` and `body`, recording the request headers. */
async function serve(status: number, body: string): Promise<{ url: string; seen: IncomingHttpHeaders[] }> {
  const seen: IncomingHttpHeaders[] = [];
  server = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(status).end(body);
  });
  await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/doc`, seen };
}

const request = (url: string, kind: MetadataRequest['kind']) =>
  ({
    key: 'k',
    kind,
    url,
    headers: { accept: 'application/json' },
    path: '/doc',
    description: 'the document',
    model: { name: 'm' },
  }) as unknown as MetadataRequest;

describe('networkFetcher', () => {
  it('sends HF_TOKEN to Hugging Face listings only, with the request headers', async () => {
    const { url, seen } = await serve(200, '{"ok":true}');
    const fetch = networkFetcher('tok');
    expect(Buffer.from(await fetch(request(url, 'hf-listing'))).toString()).toBe('{"ok":true}');
    await fetch(request(url, 'oci-manifest'));
    expect(seen.map((h) => [h['authorization'], h['accept']])).toEqual([
      ['Bearer tok', 'application/json'],
      [undefined, 'application/json'],
    ]);
  });

  it('turns a refusal into MODEL_METADATA_FAILED naming the model and HF_TOKEN', async () => {
    const { url } = await serve(403, 'no');
    const err = await networkFetcher(undefined)(request(url, 'hf-listing')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AikitError);
    expect(err).toMatchObject({
      code: 'MODEL_METADATA_FAILED',
      message: 'model m: cannot read the document: HTTP 403',
      hint: 'set HF_TOKEN for private Hugging Face repositories',
    });
  });
});

describe('placeholderFetcher', () => {
  it('stands in an empty repository for a listing', async () => {
    const doc = JSON.parse(Buffer.from(await placeholderFetcher(request('x', 'hf-listing'))).toString());
    expect(doc).toEqual({ sha: '0'.repeat(40), siblings: [] });
  });
});
