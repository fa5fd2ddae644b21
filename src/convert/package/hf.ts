import { loadAikitfile, type InferenceSpec } from '../../aikitfile/index.js';
import { AikitError } from '../../util/errors.js';

// A huggingface:// packaging source is read exactly like an aikitfile model with that source
// (listing, pinned commit, per-file sha256, token secret, mirror): the packaging flow states
// it as a one-model aikitfile and uses the model-source code for the rest.

/** The one-model spec whose files are the repository's. */
export function huggingFaceSpec(repo: string, revision: string): InferenceSpec {
  const text = [
    'apiVersion: v1alpha1',
    'models:',
    `  - name: ${JSON.stringify(repo.split('/')[1] ?? repo)}`,
    `    source: ${JSON.stringify(`huggingface://${repo}@${revision}`)}`,
    '',
  ].join('\n');
  const { spec } = loadAikitfile(text, 'source', {});
  if (spec.kind !== 'inference') throw new AikitError('INTERNAL', 'a model source made a fine-tune spec');
  return spec;
}
