import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  BUILD_ARGS,
  checkMatrix,
  convert,
  convertFinetune,
  readMetadata,
  resolveArtifacts,
  sourceSettings,
} from '../convert/index.js';
import {
  dumpDefinition,
  encodeDefinition,
  formatPlatform,
  marshal,
  parsePlatform,
  renderGraph,
  type GraphFormat,
  type Platform,
} from '../llb/index.js';
import { aikitJsonSchema, loadAikitfile, SERVERS, type LoadedSpec } from '../aikitfile/index.js';
import { AikitError, formatError, formatIssue } from '../util/errors.js';
import { formatInspectReport, inspectImage } from './inspect.js';
import { lockAikitfile, lockSummary } from './lock.js';
import { formatPins } from './pins.js';
import { networkFetcher, placeholderFetcher } from './metadata.js';
import { formatSmokeReport, smoke } from './smoke.js';

const USAGE = `usage: aikit <command> [options]

commands:
  validate <file>   check an aikitfile; prints every problem with file:line:col
  convert <file>    write the BuildKit LLB definition of an aikitfile to stdout
  lock [file]       pin every model, image and download of a build in <file>.lock beside it
                    (runs docker buildx build --target lock; default file aikitfile.yaml)
  smoke <image>     run an image, wait until it is ready, ask each model one question
  inspect <image>   list a local image's layers: size and what each holds (model, runtime, ...)
  schema            print the aikitfile JSON Schema
  artifacts         list the AIKIT_* build-args that redirect downloads, with defaults and
                    what the release pinned each default to

options:
  --platform p[,p]  target platform(s) (default linux/amd64; convert takes one)
  --build-arg k=v   a build-arg, as with docker buildx build (repeatable)
  --format f        convert output: pb (default, pipe to buildctl), json (readable dump),
                    dot or mermaid (the build graph: downloads, layers, as buildx names them)
  --target t        fine-tune target: unsloth or llama-cpp (default: the file's, else unsloth)
  --secret s        lock: a buildx --secret (e.g. id=hf-token,env=HF_TOKEN) (repeatable)
  --allow e         lock: a buildx --allow entitlement (e.g. network.host) (repeatable)
  --server s        smoke: localai or llama-server (default: the image's label)
  --model m         smoke: a model to ask (repeatable; default: the image's label)
  --timeout s       smoke: seconds to wait for readiness and for each answer (default 120)
  -h, --help        this help
`;

/** Exit codes: 0 ok, 1 the input has problems, 2 the command line is wrong. */
export async function runCli(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        platform: { type: 'string' },
        'build-arg': { type: 'string', multiple: true },
        format: { type: 'string' },
        target: { type: 'string' },
        server: { type: 'string' },
        model: { type: 'string', multiple: true },
        timeout: { type: 'string' },
        secret: { type: 'string', multiple: true },
        allow: { type: 'string', multiple: true },
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
      case 'smoke': {
        const image = rest[0];
        if (!image || rest.length > 1) return usage('smoke takes exactly one image');
        const server = values.server === undefined ? undefined : SERVERS.find((s) => s === values.server);
        if (values.server !== undefined && !server) {
          return usage(`unknown --server ${values.server}; use ${SERVERS.join(' or ')}`);
        }
        const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
        if (timeout !== undefined && !(timeout > 0)) return usage('--timeout takes a number of seconds');
        const report = await smoke(image, {
          ...(server ? { server } : {}),
          ...(values.model ? { models: values.model } : {}),
          ...(timeout ? { timeoutMs: timeout * 1000 } : {}),
          log: (line) => process.stderr.write(`${line}\n`),
        });
        process.stdout.write(`${formatSmokeReport(report).join('\n')}\n`);
        return report.ok ? 0 : 1;
      }
      case 'inspect':
        if (rest.length !== 1) return usage('inspect takes exactly one image');
        process.stdout.write(`${formatInspectReport(await inspectImage(rest[0]!)).join('\n')}\n`);
        return 0;
      case 'artifacts':
        // The language's own args (model, runtime) are documented with the aikitfile.
        for (const a of BUILD_ARGS.filter((x) => x.readBy !== 'aikitfile')) {
          process.stdout.write(`${a.name}\n  ${a.description}\n  default: ${a.default || '(none)'}\n`);
        }
        process.stdout.write(`\n${formatPins().join('\n')}\n`);
        return 0;
      case 'lock': {
        if (rest.length > 1) return usage('lock takes at most one aikitfile');
        const file = rest[0] ?? 'aikitfile.yaml';
        const buildArgs = parseBuildArgs(values['build-arg'] ?? []);
        // A missing or invalid file is said here, at its line, before a build is started for it.
        load(file, buildArgs);
        const result = await lockAikitfile({
          file,
          ...(values.platform ? { platforms: values.platform } : {}),
          buildArgs,
          secrets: values.secret ?? [],
          allow: values.allow ?? [],
          ...(process.env['HF_TOKEN'] ? { hfToken: process.env['HF_TOKEN'] } : {}),
        });
        process.stdout.write(`${lockSummary(result)}\n`);
        return 0;
      }
      case 'validate':
      case 'convert': {
        const file = rest[0];
        if (!file || rest.length > 1) return usage(`${command} takes exactly one file`);
        const buildArgs = parseBuildArgs(values['build-arg'] ?? []);
        const platforms = (values.platform ?? 'linux/amd64').split(',').map((p) => parsePlatform(p.trim()));
        if (command === 'validate') return await validate(file, platforms, buildArgs, values.target);
        if (platforms.length !== 1)
          return usage('convert writes one platform at a time; give one --platform');
        const format = values.format ?? 'pb';
        if (format !== 'pb' && format !== 'json' && format !== 'dot' && format !== 'mermaid')
          return usage(`unknown --format ${format}; use pb, json, dot or mermaid`);
        return await convertFile(file, platforms[0]!, buildArgs, format, values.target);
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

function load(file: string, buildArgs: Record<string, string>, target?: string): LoadedSpec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new AikitError('FILE_NOT_FOUND', `cannot read ${file}: ${why}`, {
      hint: 'give the path of an aikitfile',
    });
  }
  return loadAikitfile(text, file, { buildArgs, ...(target ? { target } : {}) });
}

/** Loads, validates and converts for every platform, so it finds what a build would. */
async function validate(
  file: string,
  platforms: Platform[],
  buildArgs: Record<string, string>,
  target?: string,
): Promise<number> {
  const loaded = load(file, buildArgs, target);
  for (const w of loaded.warnings) process.stderr.write(`${formatIssue(w, file)}\n`);
  if (loaded.spec.kind === 'inference') {
    for (const w of checkMatrix(loaded.spec, platforms, { locate: (p) => loaded.locate(p), file })) {
      process.stderr.write(`${formatIssue(w, file)}\n`);
    }
    const { artifacts } = resolveArtifacts(buildArgs);
    const settings = sourceSettings(buildArgs);
    const metadata = await readMetadata(loaded.spec, settings, placeholderFetcher);
    for (const platform of platforms) {
      marshal(convert(loaded.spec, { platform, artifacts, sources: { settings, metadata } }).state);
    }
  }
  process.stderr.write(`${file}: ok (${loaded.spec.kind}, ${platforms.map(formatPlatform).join(', ')})\n`);
  return 0;
}

async function convertFile(
  file: string,
  platform: Platform,
  buildArgs: Record<string, string>,
  format: 'pb' | 'json' | GraphFormat,
  target?: string,
): Promise<number> {
  const loaded = load(file, buildArgs, target);
  const settings = sourceSettings(buildArgs);
  let state;
  if (loaded.spec.kind === 'finetune') {
    const result = convertFinetune(loaded.spec, { platform, buildArgs, sources: { settings } });
    for (const w of result.warnings) process.stderr.write(`${formatIssue(w, file)}\n`);
    state = result.state;
  } else {
    const { artifacts } = resolveArtifacts(buildArgs);
    const metadata = await readMetadata(loaded.spec, settings, networkFetcher(process.env['HF_TOKEN']));
    state = convert(loaded.spec, { platform, artifacts, sources: { settings, metadata } }).state;
  }
  const def = marshal(state);
  if (format === 'json') process.stdout.write(`${JSON.stringify(dumpDefinition(def), null, 2)}\n`);
  else if (format === 'pb') process.stdout.write(encodeDefinition(def));
  else process.stdout.write(renderGraph([{ title: formatPlatform(platform), def }], format));
  return 0;
}
