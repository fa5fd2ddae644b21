import { describe, expect, it } from 'vitest';
import { parseBuildOptions } from './env.js';

const remoteContext = (context: string) =>
  parseBuildOptions({ opts: { context }, sessionId: 's', workerPlatforms: [], exportedProduct: '' })
    .remoteContext;

describe('remote build contexts (dockerui DetectGitContext, DetectHTTPContext)', () => {
  // prettier-ignore
  it.each([
    ['https://github.com/acme/models.git#main:sub', true],
    ['https://example.com/aikitfile.yaml', true],
    ['http://127.0.0.1:8080/aikitfile.yaml', true],
    ['git://127.0.0.1:9418/repo.git', true],
    ['git@github.com:acme/models.git', true],
    ['ssh://git@host.example/x/y', true],
    ['github.com/acme/models', true],
    ['context', false],
    ['ftp://host/file', false],
  ])('%s is remote: %s', (context, remote) => {
    expect(remoteContext(context)).toBe(remote ? context : undefined);
  });
});
