import { userErrorStatus, type BuildFile, type ReturnPayload } from '../gateway/index.js';
import type { SourceInfo } from '../llb/index.js';
import { AikitError } from '../util/errors.js';

/** The aikitfile as a source BuildKit can show a snippet of. */
export function sourceOf(file: BuildFile): SourceInfo & { language: string } {
  return { filename: file.filename, data: file.data, language: 'aikitfile' };
}

/**
 * The one boundary for user errors of a read aikitfile, in builds and subrequests alike: an
 * AikitError becomes a status that points into the file, so buildx shows the snippet at its line.
 */
export async function located(
  file: BuildFile,
  answer: (source: SourceInfo) => ReturnPayload | Promise<ReturnPayload>,
): Promise<ReturnPayload> {
  const source = sourceOf(file);
  try {
    return await answer(source);
  } catch (e) {
    if (e instanceof AikitError) return { kind: 'error', status: userErrorStatus(e, source) };
    throw e;
  }
}
