import { http, local, type SourceLocation, type State } from '../llb/index.js';
import { modelDestination, modelFileName, type InferenceSpec, type Model } from '../spec/index.js';
import { AikitError } from '../util/errors.js';
import { redactUrl } from './naming.js';

/** One file a model contributes to the image, before it is placed into a layer. */
export interface ModelFile {
  model: Model;
  /** Absolute destination path in the image, e.g. `/models/tiny.gguf`. */
  dest: string;
  /** The state holding the file, and its path there. */
  source: State;
  srcPath: string;
  location: SourceLocation | undefined;
}

export interface ModelSourceOptions {
  /** Session and local name of the build context, for local model files. */
  sessionId?: string;
  contextLocal?: string;
  locate: (path: readonly (string | number)[]) => SourceLocation | undefined;
}

/**
 * Where every model file comes from: one LLB source per file, pinned by its sha256 where the
 * aikitfile gives one, so a download is cached by content and verified by BuildKit.
 */
export function modelFiles(spec: InferenceSpec, opts: ModelSourceOptions): ModelFile[] {
  const localPaths = spec.models.flatMap((m) => (m.source.kind === 'local' ? [m.source.path] : []));
  const contextName = opts.contextLocal ?? 'context';
  const context =
    localPaths.length > 0
      ? local(contextName, {
          ...(opts.sessionId ? { sessionId: opts.sessionId } : {}),
          sharedKeyHint: contextName,
          // Only the files the aikitfile names cross the wire, not the whole context (D5).
          followPaths: [...new Set(localPaths)].sort(),
          name: '[aikit] load model files from the build context',
        })
      : undefined;

  return spec.models.map((model) => {
    const location = opts.locate(['models', model.index]);
    const dest = modelDestination(model);
    const file = modelFileName(model);
    const src = model.source;
    switch (src.kind) {
      case 'http':
        return {
          model,
          dest,
          source: http(src.url, {
            filename: file,
            ...(model.sha256 ? { checksum: `sha256:${model.sha256}` } : {}),
            name: `[aikit] download ${model.name} from ${redactUrl(src.url)}`,
            ...(location ? { location } : {}),
          }),
          srcPath: `/${file}`,
          location,
        };
      case 'local':
        return { model, dest, source: context!, srcPath: `/${src.path}`, location };
      default:
        throw new AikitError(
          'UNSUPPORTED_SOURCE',
          `model ${model.name}: ${src.kind} sources are not supported yet`,
          {
            hint: 'use an https:// URL with sha256, or a path in the build context',
          },
        );
    }
  });
}
