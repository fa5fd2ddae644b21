import { mkdir, type FileAction } from '../../llb/index.js';

// What every runner image has, whichever server it runs: a /models directory that the
// container's user can write, for the downloaded model and its cache (a volume goes there).

/** Where a runner keeps what it downloads; mount a volume here to keep it across starts. */
export const RUNNER_CACHE = '/models';

/** The owner of /models: the user the chart runs the container as (uid and gid 1000, as the reference). */
const RUNNER_CACHE_OWNER = { uid: 1000, gid: 1000 } as const;

/** The label that marks a runner image (the reference's). */
export const RUNNER_LABEL = 'ai.kaito.aikit.runner';

/** The empty, writable cache directory. */
export function runnerCacheDir(): FileAction {
  return mkdir(RUNNER_CACHE, 0o755, { makeParents: true, owner: { ...RUNNER_CACHE_OWNER } });
}
