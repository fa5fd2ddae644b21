// The `exclude` build-arg: space-separated glob patterns, each optionally quoted as the
// reference documents it (`exclude="'original/**' 'metal/*'"`), matched against paths relative
// to the source. `*` stays within a path segment, `**` crosses them, a trailing `/` or `/**`
// names a directory and everything under it.

/** The patterns of the build-arg's value. */
export function parseExclude(value: string): string[] {
  return (value.match(/'[^']*'|"[^"]*"|\S+/g) ?? [])
    .map((p) => p.replace(/^['"]|['"]$/g, '').replace(/^\.?\/+/, ''))
    .filter(Boolean);
}

/** A test for paths (directories end in `/`) that one of the patterns excludes. */
export function excludes(patterns: readonly string[]): (path: string) => boolean {
  const res = patterns.map(globRe);
  return (path) => {
    const bare = path.replace(/\/$/, '');
    return res.some((re) => re.test(bare) || re.test(path));
  };
}

function globRe(pattern: string): RegExp {
  const dir = pattern.endsWith('/**')
    ? pattern.slice(0, -3)
    : pattern.endsWith('/')
      ? pattern.slice(0, -1)
      : '';
  const body = (dir || pattern)
    .split(/(\*\*\/?|\*|\?)/)
    .map((part) =>
      part === '**' || part === '**/'
        ? '(?:.*/)?' + (part === '**' ? '.*' : '')
        : part === '*'
          ? '[^/]*'
          : part === '?'
            ? '[^/]'
            : part.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(dir ? `^${body}(?:/.*)?$` : `^${body}$`);
}
