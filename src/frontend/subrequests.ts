import { loadAikitfile } from '../aikitfile/index.js';
import { BUILD_ARGS, targetsFor } from '../convert/index.js';
import {
  describeAnswer,
  lintAnswer,
  outlineAnswer,
  readBuildFile,
  REQUEST_DESCRIBE,
  REQUEST_LINT,
  REQUEST_OUTLINE,
  REQUEST_TARGETS,
  targetsAnswer,
  unsupportedSubrequestStatus,
  type BuildFile,
  type FrontendContext,
  type LintLocation,
  type LintResults,
  type LintWarning,
  type ReturnPayload,
} from '../gateway/index.js';
import { AikitError, formatIssue, type Issue, type SourceRange } from '../util/errors.js';
import { checkBuild, checkPolicy, keptWarnings, ruleName } from './check.js';
import { located, sourceOf } from './located.js';

// buildx's own verbs (`--check`, `--call=outline|targets`) arrive as subrequests: answered here
// from the same checks and registers the build uses; the wire shapes are the gateway's.

/** Answers the subrequest named by the frontend option `requestid`. */
export async function answerSubrequest(ctx: FrontendContext, requestId: string): Promise<ReturnPayload> {
  switch (requestId) {
    case REQUEST_DESCRIBE:
      return describeAnswer();
    case REQUEST_LINT:
      return lint(ctx, await readBuildFile(ctx));
    case REQUEST_OUTLINE: {
      const file = await readBuildFile(ctx);
      return located(file, () => outline(ctx, file));
    }
    case REQUEST_TARGETS: {
      const file = await readBuildFile(ctx);
      return located(file, () => targets(file));
    }
    default:
      return { kind: 'error', status: unsupportedSubrequestStatus(requestId) };
  }
}

/**
 * `--check`: the build's checks without the build. Warnings become lint warnings named by their
 * rule; errors become the build error, every one listed and located, so buildx prints the
 * snippet. Fails on errors, and on warnings when AIKIT_CHECK has error=true.
 */
async function lint(ctx: FrontendContext, file: BuildFile): Promise<ReturnPayload> {
  const found: Issue[] = [];
  let error: AikitError | undefined;
  try {
    await checkBuild(ctx, file, (w) => (found.push(...w), Promise.resolve()));
  } catch (e) {
    if (!(e instanceof AikitError)) throw e;
    error = e;
  }
  // A bad AIKIT_CHECK is an error of the check itself, like any other bad build-arg.
  const policy = checkPolicy(ctx.opts.buildArgs);
  const warnings = keptWarnings(policy, found);
  const results: LintResults = {
    warnings: warnings.map(lintWarning),
    sources: [sourceOf(file)],
  };
  if (error) results.buildError = buildError(error);
  return lintAnswer(results, error !== undefined || (policy.error && warnings.length > 0));
}

function lintWarning(w: Issue): LintWarning {
  return {
    ruleName: ruleName(w.code),
    description: RULE_DESCRIPTIONS[w.code] ?? w.message,
    // The detail is the message as `aikit validate` prints it, without the place buildx shows.
    detail: formatIssue({ ...w, severity: 'error', range: undefined }),
    location: w.range ? { sourceIndex: 0, ranges: [lintRange(w.range)] } : { sourceIndex: -1 },
  };
}

/** Every error with its rule name; the location holds every located one (one snippet). */
function buildError(e: AikitError): { message: string; location: LintLocation } {
  const errors = e.issues.filter((i) => i.severity === 'error');
  const message =
    errors.length > 0
      ? errors.map((i) => withRule(i, e.file)).join('\n')
      : `${e.message} [${ruleName(e.code)}]${e.hint ? `\n  hint: ${e.hint}` : ''}`;
  const ranges = errors.flatMap((i) => (i.range ? [lintRange(i.range)] : []));
  // buildx indexes `sources` with the error's sourceIndex unchecked: 0, the aikitfile, always.
  return { message, location: { sourceIndex: 0, ...(ranges.length ? { ranges } : {}) } };
}

/** `aikit validate`'s line with the rule name before the hint: `file:line:col: path: message [Rule]`. */
function withRule({ hint, ...issue }: Issue, file: string | undefined): string {
  return `${formatIssue(issue, file)} [${ruleName(issue.code)}]${hint ? `\n  hint: ${hint}` : ''}`;
}

function lintRange(r: SourceRange) {
  return { start: { line: r.line, character: r.col }, end: { line: r.endLine, character: r.endCol } };
}

/**
 * `--call=outline`: every build-arg aikit reads (the register), with the value it would take
 * (the given one, else the default) and the Hugging Face token secret when one is named.
 */
function outline(ctx: FrontendContext, file: BuildFile): ReturnPayload {
  const { buildArgs, target } = ctx.opts;
  const row = targetsFor(load(file)).find((t) => t.name === target);
  const args = BUILD_ARGS.map((a) => {
    const value = buildArgs[a.name] || a.default;
    const overridden = value !== a.default && a.default !== '';
    return {
      name: a.name,
      description: overridden ? `${a.description} (default: ${a.default})` : a.description,
      ...(value ? { value } : {}),
    };
  });
  const secret = buildArgs['AIKIT_HF_TOKEN_SECRET'];
  return outlineAnswer({
    ...(target ? { name: target } : {}),
    ...(row ? { description: row.description } : {}),
    args,
    ...(secret ? { secrets: [{ name: secret }] } : {}),
  });
}

/** `--call=targets`: the targets of the register this kind of aikitfile builds. */
function targets(file: BuildFile): ReturnPayload {
  return targetsAnswer({
    targets: targetsFor(load(file)).map((t) => ({
      ...(t.name ? { name: t.name } : {}),
      ...(t.default ? { default: true } : {}),
      description: t.description,
    })),
  });
}

/** The aikitfile as the build reads it, without build-args: its kind decides the targets. */
function load(file: BuildFile) {
  return loadAikitfile(Buffer.from(file.data).toString('utf8'), file.filename).spec;
}

/** What each warning rule checks, for the lint result's `description`. */
const RULE_DESCRIPTIONS: Record<string, string> = {
  UNVERIFIED_DOWNLOAD: 'A model downloaded without a sha256 is not verified',
  UNUSED_BUILD_ARG: 'A build-arg aikit does not read is usually a typo',
  IGNORED_BUILD_ARG: 'A build-arg that does not apply to this kind of aikitfile',
  SHELL_ESCAPE: 'A \\" that the reference wrote as " is now written literally',
  CONFIG_NOT_YAML: 'The LocalAI config is not valid YAML',
  CONFIG_NOT_A_LIST: 'The LocalAI config is not a list of model configurations',
  UNKNOWN_LOAD_TO_MEMORY: 'loadToMemory names something no model or config defines',
  UNKNOWN_QUANTIZE: 'output.quantize is not a known Unsloth method',
  YAML_WARNING: 'The YAML parser warned',
  CUDA_ON_ARM64: 'runtime cuda has no arm64 build, so arm64 gets the CPU image',
};
