import { checkFinetune } from './finetune.js';
import { combinationProblem, MATRIX } from './matrix.js';
import { BACKENDS, RUNTIMES, SERVERS } from './schema.js';
import { isRecord, show, type KeyPath, type Reporter } from './report.js';
import { DEFAULT_SERVER, SERVER_RULES } from './servers/index.js';
import { asArray, SHELL_ESCAPE_HINT, type RuleContext, type ServerRules } from './servers/rules.js';
import { isWholeRepo, modelDestination, parseModelSource } from './sources.js';
import { didYouMean } from './suggest.js';
import type { ModelSource, Server } from './types.js';

// Rules that the schema cannot express: they span fields, parse source strings or read the
// LocalAI config. They run on the raw data even when the schema check failed, so one pass shows
// every problem; each rule looks only at values of the right type. The rules of one server's
// fields are in servers/; which runtime and backend go together is the matrix (matrix.ts).

/** What the semantic rules need besides the data. */
export interface ValidateContext extends RuleContext {
  /** Where the effective runtime came from when not from the file, for messages. */
  runtimeOrigin?: string | undefined;
}

const isOneOf = <T extends string>(list: readonly T[], x: unknown): x is T => list.includes(x as T);

/** Semantic rules of an inference aikitfile (with build-args applied). */
export function validateInference(data: Record<string, unknown>, ctx: ValidateContext): void {
  // Parsed sources by model index, shared by the rules that need file names.
  const sources = new Map<number, ModelSource>();
  const server = data['server'] ?? DEFAULT_SERVER;
  if (!ctx.modelsFromBuildArg) checkModels(data, ctx, sources);
  // An unknown server is reported by the schema; rules for either server would only add noise.
  if (!isOneOf(SERVERS, server)) return;
  const rules = SERVER_RULES[server];
  rules.check(data, ctx, sources);
  checkRuntimeAndBackends(data, ctx, server);
  checkLoadToMemory(data, ctx, sources, rules);
}

function checkModels(
  data: Record<string, unknown>,
  ctx: ValidateContext,
  sources: Map<number, ModelSource>,
): void {
  const r = ctx.reporter;
  const names = new Map<string, number>();
  const templateNames = new Map<string, string>();
  const destinations: { dest: string; dir: boolean; owner: string }[] = [];

  asArray(data['models']).forEach((m, i) => {
    if (!isRecord(m)) return;
    const at = (...rest: (string | number)[]): KeyPath => ['models', i, ...rest];
    const name = typeof m['name'] === 'string' && m['name'] !== '' ? m['name'] : undefined;
    let nameOk = name !== undefined;
    if (name !== undefined) {
      nameOk = checkModelName(name, at('name'), r);
      const first = names.get(name);
      if (first !== undefined) {
        r.error(
          'DUPLICATE_MODEL_NAME',
          at('name'),
          `model name ${show(name)} is already used by models[${first}]`,
        );
      } else {
        names.set(name, i);
      }
    }

    let source: ModelSource | undefined;
    if (typeof m['source'] === 'string' && m['source'] !== '') {
      const parsed = parseModelSource(m['source']);
      if (parsed.ok) {
        source = parsed.source;
        sources.set(i, source);
      } else {
        r.error(parsed.problem.code, at('source'), parsed.problem.message, { hint: parsed.problem.hint });
      }
    }
    if (source && typeof m['sha256'] === 'string' && isWholeRepo(source)) {
      r.error('SHA256_NOT_APPLICABLE', at('sha256'), 'sha256 cannot verify a whole repository', {
        hint: 'name one file (huggingface://org/repo@revision/file) or pin the revision to a commit id instead',
      });
    }
    if (source?.kind === 'http' && m['sha256'] === undefined) {
      r.warn('UNVERIFIED_DOWNLOAD', at('source'), 'download has no sha256, so its content is not verified', {
        hint: 'add sha256: <64 hex> to pin the file',
      });
    }
    if (source && nameOk && name !== undefined) {
      const owner = `models[${i}]`;
      const dest = modelDestination({ name, source });
      const dir = isWholeRepo(source);
      const clash = destinations.find(
        (d) =>
          d.dest === dest ||
          (d.dir && dest.startsWith(`${d.dest}/`)) ||
          (dir && d.dest.startsWith(`${dest}/`)),
      );
      if (clash) {
        r.error(
          'DUPLICATE_DESTINATION',
          at('source'),
          `model file ${dest} is also written by ${clash.owner}`,
          {
            hint: 'give one of the models a name with a directory (name: dir/model) so the files land apart',
          },
        );
      } else {
        destinations.push({ dest, dir, owner });
      }
    }

    asArray(m['promptTemplates']).forEach((t, j) => {
      if (!isRecord(t)) return;
      const tpath = at('promptTemplates', j);
      if (typeof t['name'] === 'string' && t['name'] !== '') {
        const first = templateNames.get(t['name']);
        if (first !== undefined) {
          // Every template is /models/<name>.tmpl, whichever model lists it.
          r.error(
            'DUPLICATE_TEMPLATE',
            [...tpath, 'name'],
            `template ${show(t['name'])} is already defined by ${first}`,
          );
        } else {
          templateNames.set(t['name'], `models[${i}].promptTemplates[${j}]`);
          const dest = `/models/${t['name']}.tmpl`;
          const clash = destinations.find((d) => d.dest === dest);
          if (clash)
            r.error('DUPLICATE_DESTINATION', [...tpath, 'name'], `${dest} is also written by ${clash.owner}`);
        }
      }
      if (typeof t['template'] === 'string' && t['template'].includes('\\"')) {
        r.warn(
          'SHELL_ESCAPE',
          [...tpath, 'template'],
          'template contains \\" which is now written literally',
          {
            hint: SHELL_ESCAPE_HINT,
          },
        );
      }
    });
  });
}

function checkModelName(name: string, path: KeyPath, r: Reporter): boolean {
  // eslint-disable-next-line no-control-regex -- control characters are what this rejects
  if (/[\\\u0000-\u001f]/.test(name)) {
    r.error('INVALID_MODEL_NAME', path, `model name ${show(name)} contains a backslash or control character`);
    return false;
  }
  if (name.includes('/')) {
    const segs = name.split('/');
    if (segs.some((s) => s === '' || s === '.' || s === '..')) {
      r.error(
        'INVALID_MODEL_NAME',
        path,
        `model name ${show(name)} must be a relative path without empty, "." or ".." segments`,
        { hint: 'the part before the last "/" becomes a directory under /models' },
      );
      return false;
    }
  }
  return true;
}

/** The matrix's runtime × backend rules, for a server that has backends. */
function checkRuntimeAndBackends(data: Record<string, unknown>, ctx: ValidateContext, server: Server): void {
  // A server without backends reports a backends: key itself, in its own words.
  if (MATRIX[server].defaultBackend === undefined) return;
  if (asArray(data['backends']).length > 1) {
    ctx.reporter.error('TOO_MANY_BACKENDS', ['backends'], 'only one backend is supported at this time');
  }
  const runtime = data['runtime'] ?? '';
  if (!isOneOf(RUNTIMES, runtime)) return;
  asArray(data['backends']).forEach((b, i) => {
    if (!isOneOf(BACKENDS, b)) return;
    const problem = combinationProblem(server, runtime, b, ctx.runtimeOrigin);
    if (problem) ctx.reporter.error(problem.code, ['backends', i], problem.message, { hint: problem.hint });
  });
}

function checkLoadToMemory(
  data: Record<string, unknown>,
  ctx: ValidateContext,
  sources: ReadonlyMap<number, ModelSource>,
  rules: ServerRules,
): void {
  const entries = asArray(data['loadToMemory']);
  if (entries.length === 0) return;
  const known = rules.loadableNames(data, sources);
  const seen = new Set<string>();
  entries.forEach((e, i) => {
    if (typeof e !== 'string' || e === '') return;
    if (seen.has(e)) {
      ctx.reporter.error(
        'DUPLICATE_LOAD_TO_MEMORY',
        ['loadToMemory', i],
        `loadToMemory lists ${show(e)} twice`,
      );
      return;
    }
    seen.add(e);
    if (!known.has(e)) {
      ctx.reporter.warn(
        'UNKNOWN_LOAD_TO_MEMORY',
        ['loadToMemory', i],
        `loadToMemory names ${show(e)}, which no ${rules.namesDefinedBy} defines${didYouMean(e, known)}`,
      );
    }
  });
}

/** The hint for a fine-tune file without datasets. */
export { NO_DATASETS_HINT } from './finetune.js';

/** Semantic rules of a fine-tune aikitfile; `target` is the effective target (decisions.md#d14). */
export function validateFinetune(
  data: Record<string, unknown>,
  ctx: ValidateContext,
  target = 'unsloth',
): void {
  checkFinetune(data, ctx.reporter, target);
}
