import { posix } from 'node:path';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { AikitError } from '../../util/errors.js';

// The lock file (website/docs/lock.md): the immutable form of everything a build of one
// aikitfile fetches. It is written by machines and read in review, so its text is a function of
// its content alone: keys sorted at every level (version first), one value per line, no dates.

/** The format this code writes; a reader refuses any other. */
export const LOCK_VERSION = 1;

const Sha256 = z
  .string()
  .regex(/^sha256:[a-f0-9]{64}$/)
  .describe('a sha256 digest, sha256:<64 lowercase hex>');

/** One model of the aikitfile, by its name: what its source resolved to. */
const ModelEntry = z
  .object({
    source: z.string().describe('the model source the entry was resolved from, in canonical form'),
    sha256: Sha256.optional().describe('http(s) and single Hugging Face files: the bytes downloaded'),
    commit: z
      .string()
      .regex(/^[a-f0-9]{40}$/)
      .optional()
      .describe('huggingface:// sources: the commit the revision pointed at'),
    files: z
      .record(z.string(), Sha256)
      .optional()
      .describe('whole Hugging Face repositories: every file at the commit and its sha256'),
    digest: Sha256.optional().describe('oci:// sources: the manifest (or index) digest the tag pointed at'),
  })
  .strict();

/** A runtime image, by its normalised reference. */
const ImageEntry = z
  .object({
    digest: Sha256.describe('what the reference pointed at: the manifest list (index) or the manifest'),
    platforms: z
      .record(z.string(), Sha256)
      .describe("per platform (os/arch[/variant]) the image's config digest, its image ID"),
  })
  .strict();

/** What the project pins and a lock share: runtime images and downloads of the runtime. */
export const RuntimePinsSchema = z
  .object({
    images: z.record(z.string(), ImageEntry).describe('runtime images by normalised reference'),
    localai: z
      .record(z.string(), Sha256)
      .describe('the LocalAI binary: sha256 by download URL (one URL per version and architecture)'),
  })
  .strict();

export const LockSchema = RuntimePinsSchema.extend({
  version: z.literal(LOCK_VERSION).describe('the lock format version'),
  platforms: z.array(z.string()).describe('the platforms the lock was resolved for'),
  models: z.record(z.string(), ModelEntry).describe('the models of the aikitfile by name'),
})
  .strict()
  .describe('aikitfile.lock: the digests and checksums a build of the aikitfile beside it is pinned to');

export type ModelLock = z.infer<typeof ModelEntry>;
export type ImageLock = z.infer<typeof ImageEntry>;
export type RuntimePins = z.infer<typeof RuntimePinsSchema>;
export type Lock = z.infer<typeof LockSchema>;

/** `aikitfile.yaml` → `aikitfile.lock`, `deploy/llama.yml` → `deploy/llama.lock`, `aikitfile` → `aikitfile.lock`. */
export function lockFileName(aikitfile: string): string {
  const ext = posix.extname(aikitfile);
  const stem = ext === '.yaml' || ext === '.yml' ? aikitfile.slice(0, -ext.length) : aikitfile;
  return `${stem}.lock`;
}

const HEADER =
  '# Written by `aikit lock`: the digests and checksums builds of the aikitfile beside it are\n' +
  '# pinned to. Commit it; run `aikit lock` again to move to newer artifacts.\n';

/** The lock's text: sorted keys at every level, version first; the same content gives the same bytes. */
export function formatLock(lock: Lock): string {
  const { version, ...rest } = LockSchema.parse(lock);
  const body = stringify({ version, ...sorted(rest) }, { lineWidth: 0, indent: 2 });
  return HEADER + body;
}

/** Reads and checks a lock file; a broken one is an error naming the file, never a silent unpinned build. */
export function parseLock(text: string, file: string): Lock {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (e) {
    throw new AikitError('BAD_LOCK', `${file} is not YAML: ${(e as Error).message.split('\n')[0]}`, {
      cause: e,
      hint: 'run `aikit lock` again to rewrite it',
    });
  }
  const version = (raw as { version?: unknown } | null)?.version;
  if (version !== LOCK_VERSION) {
    throw new AikitError(
      'BAD_LOCK',
      `${file} has lock version ${JSON.stringify(version)}; this aikit reads ${LOCK_VERSION}`,
      {
        hint: 'run `aikit lock` with this aikit version to rewrite it',
      },
    );
  }
  const checked = LockSchema.safeParse(raw);
  if (!checked.success) {
    const first = checked.error.issues[0]!;
    throw new AikitError('BAD_LOCK', `${file}: ${first.path.join('.') || '(top)'}: ${first.message}`, {
      hint: 'the lock is written by `aikit lock`; run it again instead of editing the file',
    });
  }
  return checked.data;
}

/** Reads the project's pins file (same sections as a lock, no models). */
export function parsePins(raw: unknown): RuntimePins {
  return RuntimePinsSchema.parse(raw);
}

/** A copy with every object's keys sorted (arrays keep their order). */
export function sorted<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sorted) as T;
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(obj)
        .sort()
        .filter((k) => obj[k] !== undefined)
        .map((k) => [k, sorted(obj[k])]),
    ) as T;
  }
  return value;
}

const SCHEMA_ID = 'https://github.com/kaito-project/aikit/schema/aikitfile-lock.schema.json';

/** The lock's JSON Schema (draft 2020-12), generated from the zod schema; committed under schema/. */
export function lockJsonSchema(): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(LockSchema, { target: 'draft-2020-12', io: 'input' });
  return { $schema, $id: SCHEMA_ID, title: 'aikitfile.lock', ...rest };
}
