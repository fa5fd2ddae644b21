import { mkdir, type FileAction } from '../../../llb/index.js';
import type { InferenceSpec } from '../../../aikitfile/index.js';

/** One file op holds every template and the config, so templates never add ops. */
export function templateAndConfigFiles(spec: InferenceSpec): FileAction | undefined {
  const templates = spec.models.flatMap((m) => m.promptTemplates);
  if (templates.length === 0 && !spec.config) return undefined;
  let action: FileAction | undefined;
  const chain = (next: (a: FileAction | undefined) => FileAction) => (action = next(action));
  if (templates.length > 0) {
    chain(() => mkdir('/models', 0o755, { makeParents: true }));
    for (const t of templates) chain((a) => a!.mkfile(`/models/${t.name}.tmpl`, 0o644, t.template));
  }
  if (spec.config) {
    // The reference creates /configuration next to the config; LocalAI watches it for
    // dynamic configuration, so keep it.
    chain((a) =>
      a
        ? a.mkdir('/configuration', 0o755, { makeParents: true })
        : mkdir('/configuration', 0o755, { makeParents: true }),
    );
    chain((a) => a!.mkfile('/config.yaml', 0o644, spec.config!));
  }
  return action;
}
