// What the demos (`make demo`, `make finetune-demo`) share: announcing steps, running commands
// with their output in front of the user, and printing what a tiny random model says.
import { spawn } from 'node:child_process';
import { ROOT, run } from '../../test/e2e/harness.js';

export const step = (title: string) => console.log(`\n==> ${title}`);
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
// The tiny model's weights are random: its text is noise, control characters included.
export const oneLine = (s: string) =>
  // eslint-disable-next-line no-control-regex -- control characters are what this escapes
  s.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));

/** Runs a command from the checkout with its output on the terminal; rejects when it fails. */
export function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}`)),
    );
  });
}

/** Runs docker against the engine and returns its trimmed stdout; throws with its output when it fails. */
export async function docker(env: NodeJS.ProcessEnv, args: string[]): Promise<string> {
  const r = await run('docker', args, { env });
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} failed:\n${r.output}`);
  return r.stdout.trim();
}
