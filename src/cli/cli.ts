import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ARTIFACT_ARGS, convert, resolveArtifacts } from '../convert/index.js';
import {
  dumpDefinition,
  encodeDefinition,
  formatPlatform,
  marshal,
  parsePlatform,
  type Platform,
} from '../llb/index.js';
import { aikitJsonSchema, loadAikitfile, type LoadedSpec } from '../spec/index.js';
import { AikitError, formatError, formatIssue } from '../util/errors.js';

const USAGE = `usage: aikit <command> [options]

commands:
  validate <file>   check an aikitfile; prints every problem with file:line:col
  convert <file>    write the BuildKit LLB definition of an aikitfile to stdout
  schema            print the aikitfile JSON Schema
  artifacts         list the AIKIT_* build-args that redirect downloads, with defaults

options:
  --platform p[,p]  target platform(s) (default linux/amd64; convert takes one)
  --build-arg k=v   a build-arg, as with docker buildx build (repeatable)
  --format f        convert output: pb (default, pipe to buildctl) or json (readable dump)
  -h, --help        this help
`;

/** Exit codes: 0 ok, 1 the input has problems, 2 the command line is wrong. */
export function runCli(argv: string[]): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        platform: { type: 'string' },
        'build-arg': { type: 'string', multiple: true },
        format: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    process.stderr.write(`aikit: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return command || values.help ? 0 : 2;
  }
  try {
    switch (command) {
      case 'schema':
        process.stdout.write(`${JSON.stringify(aikitJsonSchema(), null, 2)}\n`);
        return 0;
      case 'artifacts':
        for (const a of ARTIFACT_ARGS) {
          process.stdout.write(`${a.name}\n  ${a.description}\n  default: ${a.default || '(none)'}\n`);
        }
        return 0;
      case 'validate':
      case 'convert': {
        const file = rest[0];
        if (!file || rest.length > 1) return usage(`${command} takes exactly one file`);
        const buildArgs = parseBuildArgs(values['build-arg'] ?? []);
        const platforms = (values.platform ?? 'linux/amd64').split(',').map((p) => parsePlatform(p.trim()));
        if (command === 'validate') return validate(file, platforms, buildArgs);
        if (platforms.length !== 1)
          return usage('convert writes one platform at a time; give one --platform');
        const format = values.format ?? 'pb';
        if (format !== 'pb' && format !== 'json') return usage(`unknown --format ${format}; use pb or json`);
        return convertFile(file, platforms[0]!, buildArgs, format);
      }
      default:
        return usage(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (e) {
    if (e instanceof AikitError) {
      process.stderr.write(`${formatError(e)}\n`);
      return 1;
    }
    throw e;
  }
}

function usage(message: string): number {
  process.stderr.write(`aikit: ${message}\n\n${USAGE}`);
  return 2;
}

function parseBuildArgs(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new AikitError('BAD_BUILD_ARG', `--build-arg ${JSON.stringify(a)} is not key=value`);
    out[a.slice(0, eq)] = a.slice(eq + 1);
  }
  return out;
}

function load(file: string, buildArgs: Record<string, string>): LoadedSpec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new AikitError('FILE_NOT_FOUND', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`, {
      hint: 'give the path of an aikitfile',
    });
  }
  return loadAikitfile(text, file, { buildArgs });
}

/** Loads, validates and converts for every platform, so it finds what a build would. */
function validate(file: string, platforms: Platform[], buildArgs: Record<string, string>): number {
  const loaded = load(file, buildArgs);
  for (const w of loaded.warnings) process.stderr.write(`${formatIssue(w, file)}\n`);
  if (loaded.spec.kind === 'inference') {
    const { artifacts } = resolveArtifacts(buildArgs);
    for (const platform of platforms) marshal(convert(loaded.spec, { platform, artifacts }).state);
  }
  process.stderr.write(`${file}: ok (${loaded.spec.kind}, ${platforms.map(formatPlatform).join(', ')})\n`);
  return 0;
}

function convertFile(
  file: string,
  platform: Platform,
  buildArgs: Record<string, string>,
  format: 'pb' | 'json',
): number {
  const loaded = load(file, buildArgs);
  if (loaded.spec.kind !== 'inference') {
    throw new AikitError('UNSUPPORTED_SPEC', 'fine-tune aikitfiles cannot be converted yet');
  }
  const { artifacts } = resolveArtifacts(buildArgs);
  const def = marshal(convert(loaded.spec, { platform, artifacts }).state);
  if (format === 'json') process.stdout.write(`${JSON.stringify(dumpDefinition(def), null, 2)}\n`);
  else process.stdout.write(encodeDefinition(def));
  return 0;
}
