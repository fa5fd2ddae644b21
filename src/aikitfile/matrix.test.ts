import { describe, expect, it } from 'vitest';
import { ARCHES, combinationFor, combinationProblem, MATRIX } from './matrix.js';
import { BACKENDS, RUNTIMES, SERVERS } from './schema.js';

describe('the matrix table', () => {
  it.each(SERVERS)('%s: every row that lacks an architecture says why, or falls back there', (server) => {
    for (const c of MATRIX[server].combinations) {
      for (const arch of ARCHES) {
        if (c.arches.includes(arch)) continue;
        const fallsBack = c.fallback?.arch === arch;
        expect(fallsBack || c.limit !== undefined, `${c.runtime} × ${c.backend} on ${arch}`).toBe(true);
      }
      // A fallback lands on a row that builds for that architecture.
      if (c.fallback) {
        const to = combinationFor(server, c.fallback.runtime, c.backend);
        expect(to?.arches).toContain(c.fallback.arch);
      }
    }
  });

  it.each(SERVERS)(
    '%s: offers every runtime once per backend, and names backends only if it has them',
    (server) => {
      const m = MATRIX[server];
      const keys = m.combinations.map((c) => `${c.runtime}/${c.backend}`);
      expect(new Set(keys).size).toBe(keys.length);
      for (const runtime of RUNTIMES) expect(m.combinations.some((c) => c.runtime === runtime)).toBe(true);
      for (const c of m.combinations) expect(c.backend === undefined).toBe(m.defaultBackend === undefined);
      if (m.defaultBackend !== undefined) {
        // The default backend goes with every runtime, so a file without backends always has a row.
        for (const runtime of RUNTIMES)
          expect(combinationFor(server, runtime, m.defaultBackend)).toBeDefined();
      }
    },
  );

  it('gives LocalAI every backend the language has', () => {
    for (const b of BACKENDS) expect(MATRIX.localai.combinations.some((c) => c.backend === b)).toBe(true);
  });
});

describe('combinationProblem', () => {
  it('allows every row of the table', () => {
    for (const server of SERVERS) {
      for (const c of MATRIX[server].combinations) {
        expect(combinationProblem(server, c.runtime, c.backend)).toBeUndefined();
      }
    }
  });

  // prettier-ignore
  it.each([
    ['rocm', 'vllm', undefined, 'RUNTIME_BACKEND_CONFLICT', 'runtime rocm only supports the llama-cpp backend, not vllm', undefined],
    ['applesilicon', 'diffusers', '--build-arg runtime', 'RUNTIME_BACKEND_CONFLICT', 'runtime applesilicon (from --build-arg runtime) only supports the llama-cpp backend, not diffusers', undefined],
    ['', 'exllama2', undefined, 'BACKEND_NEEDS_CUDA', 'backend exllama2 requires runtime cuda', 'add runtime: cuda to the aikitfile'],
  ] as const)('runtime %j with backend %s (origin %s): %s', (runtime, backend, origin, code, message, hint) => {
    expect(combinationProblem('localai', runtime, backend, origin)).toEqual({ code, message, ...(hint ? { hint } : {}) });
  });

  it('derives every refusal from the rows: each backend outside llama-cpp needs the runtime it is listed with', () => {
    for (const b of BACKENDS) {
      const runtimes = MATRIX.localai.combinations.filter((c) => c.backend === b).map((c) => c.runtime);
      for (const runtime of RUNTIMES) {
        const p = combinationProblem('localai', runtime, b);
        expect(p === undefined).toBe(runtimes.includes(runtime));
        if (p && runtime === '') expect(p.message).toBe(`backend ${b} requires runtime ${runtimes[0]}`);
      }
    }
  });
});
