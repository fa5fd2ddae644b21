import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { SourceRange } from '../util/errors.js';
import type { Anchor, KeyPath } from './report.js';

/** Maps key paths of a parsed YAML document back to 1-based line:col ranges. */
export class SourceMap {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
    private readonly text: string,
  ) {}

  /**
   * The range of the node at `path`: its value, or its key with anchor `key`. A path into a
   * missing key falls back to the nearest node that exists (the mapping that lacks the key),
   * so every issue still points somewhere useful.
   */
  locate(path: KeyPath, anchor: Anchor = 'value'): SourceRange | undefined {
    const found = this.find(path, anchor);
    return found ? this.range(found[0], found[1]) : undefined;
  }

  /** Like locate(), but undefined unless the exact node exists. */
  locateExact(path: KeyPath, anchor: Anchor = 'value'): SourceRange | undefined {
    const found = this.find(path, anchor);
    return found && found[2] ? this.range(found[0], found[1]) : undefined;
  }

  /** A range from byte offsets into the text (end exclusive). */
  range(start: number, end: number): SourceRange {
    let last = Math.max(start, end - 1);
    // Block scalars and mappings end after their trailing newline; point at the last character.
    while (last > start && /\s/.test(this.text[last] ?? '')) last--;
    const a = this.lines.linePos(start);
    const b = this.lines.linePos(last);
    return { line: a.line, col: a.col, endLine: b.line, endCol: b.col };
  }

  /** Byte offsets of the value node at `path`, for searching inside a block scalar. */
  offsets(path: KeyPath): [number, number] | undefined {
    const found = this.find(path, 'value');
    return found && found[2] ? [found[0], found[1]] : undefined;
  }

  /** The source text of the value node at `path`, as written (`1.10`, not 1.1). */
  textOf(path: KeyPath): string | undefined {
    const span = this.offsets(path);
    return span ? this.text.slice(span[0], span[1]).trim() : undefined;
  }

  /**
   * The range of the first match of `re` inside the value node at `path`, narrowed to its first
   * group when it has one: a line inside a block scalar such as the LocalAI config.
   */
  findInValue(path: KeyPath, re: RegExp): SourceRange | undefined {
    const span = this.offsets(path);
    if (!span) return undefined;
    const m = new RegExp(re.source, `${re.flags.replace('d', '')}d`).exec(this.text.slice(span[0], span[1]));
    const at = m?.indices?.[1] ?? m?.indices?.[0];
    return at ? this.range(span[0] + at[0], span[0] + at[1]) : undefined;
  }

  private find(path: KeyPath, anchor: Anchor): [number, number, boolean] | undefined {
    let node: unknown = this.doc.contents;
    let last: [number, number] | undefined = span(node);
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      if (isAlias(node)) node = node.resolve(this.doc);
      if (isMap(node) && typeof seg === 'string') {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === seg);
        if (!pair) return last && [...last, false];
        const keySpan = span(pair.key);
        if (i === path.length - 1 && anchor === 'key') return keySpan && [...keySpan, true];
        const valueSpan = span(pair.value);
        // `key:` with nothing after it has an empty value node; the key is the better place.
        node = pair.value;
        last = valueSpan && valueSpan[1] > valueSpan[0] ? valueSpan : keySpan;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item: unknown = node.items[seg];
        if (item === undefined) return last && [...last, false];
        node = item;
        last = span(item) ?? last;
      } else {
        return last && [...last, false];
      }
    }
    return last && [...last, true];
  }
}

function span(node: unknown): [number, number] | undefined {
  const r = (node as Node | null | undefined)?.range;
  return r ? [r[0], r[1]] : undefined;
}
