import { AikitError } from '../../util/errors.js';
import { parseExclude } from './exclude.js';
import { LAYER_PACKAGINGS, type LayerPackaging } from './media-types.js';

// The packaging targets' build-args, the reference's names (website/docs/packaging.md there):
// no aikitfile is read, so everything the build needs comes from here.

export const PACKAGE_TARGETS = ['packager/modelpack', 'packager/generic'] as const;
export type PackageTarget = (typeof PACKAGE_TARGETS)[number];
export const PACKAGER_IMAGE_ARG = 'AIKIT_PACKAGER_IMAGE';

/** True for a `--target` the packaging flow answers. */
export function isPackageTarget(target: string): target is PackageTarget {
  return (PACKAGE_TARGETS as readonly string[]).includes(target);
}

/** Where the files to package come from. */
export type PackageSource =
  | { kind: 'context'; path: string }
  | { kind: 'http'; url: string; filename: string }
  | { kind: 'huggingface'; repo: string; revision: string };

export interface PackageArgs {
  source: PackageSource;
  /** The value as given, for the config's sourceURL. */
  sourceText: string;
  name: string;
  packaging: LayerPackaging;
  exclude: string[];
  /** generic_output_mode=files: the source tree itself is the output, no layout. */
  filesOutput: boolean;
  epoch: number | undefined;
  toolImage: string | undefined;
}

/** Reads and checks the build-args of a packaging build. */
export function packageArgs(target: PackageTarget, buildArgs: Readonly<Record<string, string>>): PackageArgs {
  const sourceText = (buildArgs['source'] ?? '').trim();
  const source = parseSource(sourceText);
  const packaging = (buildArgs['layer_packaging'] || 'raw') as LayerPackaging;
  if (!LAYER_PACKAGINGS.includes(packaging)) {
    throw badArg('layer_packaging', packaging, `one of ${LAYER_PACKAGINGS.join(', ')}`);
  }
  const mode = buildArgs['generic_output_mode'] ?? '';
  if (mode !== '' && mode !== 'files')
    throw badArg('generic_output_mode', mode, 'files (or unset for a layout)');
  if (mode === 'files' && target !== 'packager/generic') {
    throw badArg('generic_output_mode', mode, 'only with --target packager/generic');
  }
  const name = buildArgs['name'] || defaultName(source);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || name.length > 128) {
    throw badArg('name', name, 'a tag: letters, digits, . _ -, at most 128 characters');
  }
  const epochText = buildArgs['SOURCE_DATE_EPOCH'] ?? '';
  if (epochText !== '' && !/^\d+$/.test(epochText))
    throw badArg('SOURCE_DATE_EPOCH', epochText, 'seconds since 1970');
  return {
    source,
    sourceText,
    name,
    packaging,
    exclude: parseExclude(buildArgs['exclude'] ?? ''),
    filesOutput: mode === 'files',
    epoch: epochText === '' ? undefined : Number(epochText),
    toolImage: buildArgs[PACKAGER_IMAGE_ARG] || undefined,
  };
}

function parseSource(text: string): PackageSource {
  if (text === '' || text === '.' || text === './') return { kind: 'context', path: '' };
  if (/^https?:\/\//i.test(text)) {
    const url = new URL(text);
    const filename = decodeURIComponent(url.pathname.split('/').pop() ?? '') || 'download';
    return { kind: 'http', url: text, filename: filename.replace(/[/\\]/g, '_') };
  }
  const hf = /^huggingface:\/\/([^/@:\s]+\/[^/@:\s]+)(?:[@:]([^\s]+))?$/.exec(text);
  if (hf) return { kind: 'huggingface', repo: hf[1]!, revision: hf[2] || 'main' };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    throw badArg(
      'source',
      text,
      'the context (empty), a path in it, an http(s) URL or huggingface://org/repo[@rev]',
    );
  }
  const path = text.replace(/^\.\/+/, '').replace(/\/+$/, '');
  if (path.startsWith('/') || path.split('/').includes('..')) {
    throw badArg('source', text, 'a path inside the build context');
  }
  return { kind: 'context', path };
}

function defaultName(source: PackageSource): string {
  const name = rawName(source)
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 128);
  return name || 'model';
}

function rawName(source: PackageSource): string {
  switch (source.kind) {
    case 'huggingface':
      return source.repo.split('/')[1]!.toLowerCase();
    case 'http':
      return source.filename.replace(/\.[^.]*$/, '') || 'model';
    case 'context':
      return (source.path.split('/').pop() || 'model').replace(/\.[^.]*$/, '') || 'model';
  }
}

function badArg(arg: string, value: string, want: string): AikitError {
  return new AikitError('BAD_BUILD_ARG', `build-arg ${arg}=${JSON.stringify(value)} is not valid`, {
    hint: `${arg} takes ${want}`,
  });
}
