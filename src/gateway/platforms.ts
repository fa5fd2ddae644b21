import { formatPlatform, parsePlatform, type Platform } from '../llb/index.js';
import type { FrontendContext } from './run.js';

/**
 * The platforms to build, as dockerui's Config.TargetPlatforms: `--platform` in order without
 * duplicates, else the worker's native platform.
 */
export function targetPlatforms({ opts, caps, env }: FrontendContext): Platform[] {
  if (opts.platforms.length === 0) {
    const native = caps.workerPlatforms[0] ??
      env.workerPlatforms[0] ?? { os: 'linux', architecture: 'amd64' };
    return [parsePlatform(formatPlatform(native))];
  }
  const seen = new Map<string, Platform>();
  for (const p of opts.platforms) {
    const parsed = parsePlatform(p);
    seen.set(formatPlatform(parsed), parsed);
  }
  return [...seen.values()];
}
