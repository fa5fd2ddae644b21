import type { TestProject } from 'vitest/node';
import { defaultFixtures } from '../fixtures/artifacts.js';
import { buildRuntimeStandIns } from '../fixtures/runtime-images.js';
import { startFixtureServer, type FixtureServer } from '../fixtures/server.js';
import { engineEnv, run } from './harness.js';

declare module 'vitest' {
  export interface ProvidedContext {
    fixtureUrl: string;
    engine: Record<string, string>;
  }
}

let server: FixtureServer | undefined;

/** Once per run: a real engine, the frontend image, the base stand-in and the fixture server. */
export async function setup(project: TestProject): Promise<void> {
  const up = await run('scripts/engine.sh', ['up']);
  if (up.code !== 0) throw new Error(`scripts/engine.sh up failed:\n${up.output}`);
  const env = await engineEnv();
  if (!process.env['AIKIT_E2E_REUSE_FRONTEND']) {
    const fe = await run('scripts/frontend-image.sh', ['aikit:test'], { env });
    if (fe.code !== 0) throw new Error(`building the frontend image failed:\n${fe.output}`);
    process.stderr.write(fe.stderr);
  }
  await buildRuntimeStandIns(env); // the CPU base and every catalog stand-in
  server = await startFixtureServer(defaultFixtures());
  project.provide('fixtureUrl', server.url);
  project.provide('engine', {
    DOCKER_HOST: env['DOCKER_HOST'] ?? '',
    PATH: env['PATH'] ?? '',
    DOCKER_CONFIG: env['DOCKER_CONFIG'] ?? '',
  });
}

export async function teardown(): Promise<void> {
  await server?.close();
}
