import { type AikitError, formatError } from '../util/errors.js';
import type { RpcStatus } from './client.js';

const SOURCE_TYPE_URL = 'github.com/moby/buildkit/errdefs.Source+json';
// grpc code 2 (Unknown) makes buildx print the message bare; any other code gets a
// "<CodeName>: " prefix in front of the user's error.
const CODE_UNKNOWN = 2;

export interface SourceFile {
  filename: string;
  data: Uint8Array;
}

/**
 * Turns a user error into the status Return carries: the located issues as `errdefs.Source`
 * details (buildx prints a snippet per detail) and every issue, with its hint, in the message.
 */
export function userErrorStatus(err: AikitError, source?: SourceFile): RpcStatus {
  const details: RpcStatus['details'] = [];
  if (source) {
    for (const issue of err.issues) {
      if (issue.severity !== 'error' || !issue.range) continue;
      details.push({
        type_url: SOURCE_TYPE_URL,
        value: Buffer.from(JSON.stringify(sourceDetail(source, issue.range))),
      });
    }
  }
  return { code: CODE_UNKNOWN, message: formatError(err), details };
}

/** The JSON form of BuildKit's errdefs.Source (solver/errdefs/source.go); lines are 1-based. */
export function sourceDetail(source: SourceFile, range: { line: number; endLine: number }) {
  return {
    info: {
      filename: source.filename,
      data: Buffer.from(source.data).toString('base64'),
      language: 'aikitfile',
    },
    // buildx marks whole lines; columns are in the message text.
    ranges: [{ start: { line: range.line }, end: { line: range.endLine } }],
  };
}
