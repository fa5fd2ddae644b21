import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Where the project's .proto files are. Source (`src/util`), compiled (`dist/util`) and the bundled
 * frontend image each sit at a different depth, so look upwards; AIKIT_PROTO_DIR wins when set.
 */
export function protoDir(): string {
  const fromEnv = process.env['AIKIT_PROTO_DIR'];
  if (fromEnv) return fromEnv;
  for (const rel of ['../../proto/', '../proto/', './proto/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(`${dir}github.com`)) return dir;
  }
  throw new Error('cannot find the proto/ directory; set AIKIT_PROTO_DIR');
}
