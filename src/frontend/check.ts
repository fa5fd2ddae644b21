import { loadAikitfile, type FinetuneSpec, type InferenceSpec } from '../aikitfile/index.js';
import {
  CHECK_ARG,
  checkMatrix,
  resolveArtifacts,
  sourceSettings,
  unusedBuildArgs,
  type Artifacts,
  type SourceSettings,
} from '../convert/index.js';
import { targetPlatforms, type BuildFile, type FrontendContext } from '../gateway/index.js';
import type { Platform } from '../llb/index.js';
import { AikitError, locatedIssue, type Issue, type Locate } from '../util/errors.js';

/** What the checks found valid, for the build to go on with. */
export interface Checked {
  kind: 'inference';
  spec: InferenceSpec;
  locate: Locate;
  platforms: Platform[];
  artifacts: Artifacts;
  settings: SourceSettings;
}

/** A fine-tune aikitfile that passed its checks: its graph is built apart (src/convert/finetune). */
export interface CheckedFinetune {
  kind: 'finetune';
  spec: FinetuneSpec;
  locate: Locate;
}

/** Where warnings go as they are found: the client during a build, the lint result for --check. */
export type WarningSink = (warnings: readonly Issue[]) => Promise<void>;

/**
 * Everything a build checks before it asks the network anything: the aikitfile, the build-args,
 * the platforms against the runtime. The build and `--check` run the same checks, so a file
 * that passes `--check` gets past them in the build. Throws the first failing step's AikitError.
 */
export async function checkBuild(
  ctx: FrontendContext,
  file: BuildFile,
  warn: WarningSink,
): Promise<Checked | CheckedFinetune> {
  const { opts } = ctx;
  let loaded;
  try {
    loaded = loadAikitfile(Buffer.from(file.data).toString('utf8'), file.filename, {
      buildArgs: opts.buildArgs,
      target: opts.target,
    });
  } catch (e) {
    // A file with errors still has its warnings: `--check` reports every problem at once.
    if (e instanceof AikitError) await warn([...e.warnings, ...unusedBuildArgs(opts.buildArgs)]);
    throw e;
  }
  await warn([...loaded.warnings, ...unusedBuildArgs(opts.buildArgs)]);
  const spec = loaded.spec;
  const locate: Locate = (path) => loaded.locate(path);
  if (spec.kind === 'finetune') return { kind: 'finetune', spec, locate };
  if (opts.remoteContext) refuseLocalSources(spec, locate, opts.remoteContext, file.filename);

  const { artifacts } = resolveArtifacts(opts.buildArgs);
  const platforms = targetPlatforms(ctx);
  // Forbidden platform × runtime × backend combinations fail here, at the runtime's line (decisions.md#d15);
  // allowed ones may warn (decisions.md#d8: runtime cuda on arm64 builds the CPU image).
  await warn(checkMatrix(spec, platforms, { locate, file: file.filename }));
  const settings = sourceSettings(opts.buildArgs, ctx.caps.llbCaps);
  return { kind: 'inference', spec, locate, platforms, artifacts, settings };
}

/** A remote build has no local context, so a model file named by a context path cannot be read. */
function refuseLocalSources(spec: InferenceSpec, locate: Locate, remoteContext: string, file: string) {
  const local = spec.models.find((x) => x.source.kind === 'local');
  if (!local) return;
  const issue = locatedIssue(locate, {
    code: 'LOCAL_SOURCE_IN_REMOTE_BUILD',
    message: `model ${local.name}: a context path cannot be read when building from ${remoteContext}`,
    hint: 'use an https://, huggingface:// or oci:// source, or build from a local directory',
    path: ['models', local.index, 'source'],
  });
  const message = `model ${local.name} names a local file, but the build has no local context`;
  throw new AikitError(issue.code, message, { file, issues: [issue] });
}

/** `AIKIT_CHECK`, read as BuildKit reads BUILDKIT_DOCKERFILE_CHECK: `skip=<rules>|all;error=<bool>`. */
export interface CheckPolicy {
  /** Rule names (see ruleName) whose warnings are dropped; `all` drops every warning. */
  skip: ReadonlySet<string>;
  /** Warnings fail `--check` and the build. */
  error: boolean;
}

export function checkPolicy(buildArgs: Readonly<Record<string, string>>): CheckPolicy {
  const raw = buildArgs[CHECK_ARG] ?? '';
  const skip = new Set<string>();
  let error = false;
  for (const part of raw.split(';').map((p) => p.trim())) {
    if (!part) continue;
    const [key, value = ''] = part.split(/=(.*)/s, 2).map((s) => s.trim());
    if (key === 'skip') value.split(',').forEach((r) => r.trim() && skip.add(r.trim()));
    else if (key === 'error' && /^(true|false|1|0)$/i.test(value)) error = /^(true|1)$/i.test(value);
    else {
      throw new AikitError(
        'BAD_BUILD_ARG',
        `${CHECK_ARG} has ${JSON.stringify(part)}, which it does not read`,
        {
          hint: `write ${CHECK_ARG}=skip=UnverifiedDownload,UnusedBuildArg;error=true (skip=all drops every warning)`,
        },
      );
    }
  }
  return { skip, error };
}

/** The warnings a policy keeps. */
export function keptWarnings(policy: CheckPolicy, warnings: readonly Issue[]): Issue[] {
  if (policy.skip.has('all')) return [];
  return warnings.filter((w) => !policy.skip.has(ruleName(w.code)));
}

/** An issue code as a lint rule name, the way BuildKit names its rules: UNUSED_BUILD_ARG → UnusedBuildArg. */
export function ruleName(code: string): string {
  return code
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

/** The build's answer to `error=true`: the warnings, as the errors they were asked to be. */
export function warningsAsError(warnings: readonly Issue[], file: string): AikitError {
  const n = warnings.length;
  return new AikitError(
    'CHECK_WARNINGS',
    `${n} warning${n === 1 ? '' : 's'} and ${CHECK_ARG} has error=true`,
    {
      file,
      issues: warnings.map((w) => ({
        ...w,
        severity: 'error' as const,
        hint: `${w.hint ? `${w.hint}; ` : ''}${CHECK_ARG} has error=true, which makes warnings fail the build`,
      })),
    },
  );
}
