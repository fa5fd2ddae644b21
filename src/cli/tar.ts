// A streaming reader of tar headers, enough for `docker save` archives and the layers in them:
// ustar, pax (`x`) and GNU long names (`L`), sizes in octal or base-256. File bodies are passed
// through to a sink or skipped, so a multi-gigabyte model layer costs no memory.

export interface TarEntry {
  path: string;
  size: number;
  /** `0` file, `5` directory, `2` symlink, … (the ustar typeflag). */
  type: string;
}

/** Receives the body of one entry, in order. */
export interface TarSink {
  write(chunk: Buffer): void;
  end(): void;
}

const BLOCK = 512;

function cstring(b: Buffer, start: number, length: number): string {
  const s = b.subarray(start, start + length);
  const nul = s.indexOf(0);
  return (nul === -1 ? s : s.subarray(0, nul)).toString('utf8');
}

function numeric(b: Buffer, start: number, length: number): number {
  // Base-256 (GNU) when the high bit is set: sizes of 8 GiB and more.
  if ((b[start]! & 0x80) !== 0) {
    let n = b[start]! & 0x7f;
    for (let i = start + 1; i < start + length; i++) n = n * 256 + b[i]!;
    return n;
  }
  const s = cstring(b, start, length).trim();
  return s === '' ? 0 : parseInt(s, 8);
}

/** The records of a pax extended header: `"<len> key=value\n"` each. */
function paxRecords(body: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let at = 0;
  while (at < body.length) {
    const space = body.indexOf(0x20, at);
    if (space === -1) break;
    const len = parseInt(body.subarray(at, space).toString(), 10);
    if (!(len > 0)) break;
    const record = body.subarray(space + 1, at + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    at += len;
  }
  return out;
}

/** True when `b` (at least one block) starts with a ustar or GNU tar header. */
export function looksLikeTar(b: Buffer): boolean {
  return b.length >= BLOCK && b.subarray(257, 262).toString() === 'ustar';
}

/**
 * Feeds bytes with `write`; calls `onEntry` for every entry (metadata headers applied) and sends
 * its body to the sink it returns, if any. Stops reading at the end-of-archive blocks.
 */
export class TarReader {
  private pending = Buffer.alloc(0);
  private remaining = 0;
  private padding = 0;
  private sink: TarSink | undefined;
  private meta: Buffer[] | undefined;
  private metaType = '';
  private next: { path?: string; size?: number } = {};
  private done = false;

  constructor(private readonly onEntry: (entry: TarEntry) => TarSink | undefined) {}

  write(chunk: Buffer): void {
    let b = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = Buffer.alloc(0);
    while (b.length > 0 && !this.done) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, b.length);
        const part = b.subarray(0, n);
        if (this.meta) this.meta.push(Buffer.from(part));
        else this.sink?.write(part);
        this.remaining -= n;
        b = b.subarray(n);
        if (this.remaining === 0) this.finishBody();
        continue;
      }
      if (this.padding > 0) {
        const n = Math.min(this.padding, b.length);
        this.padding -= n;
        b = b.subarray(n);
        continue;
      }
      if (b.length < BLOCK) {
        this.pending = Buffer.from(b);
        return;
      }
      this.header(b.subarray(0, BLOCK));
      b = b.subarray(BLOCK);
    }
  }

  /** Flushes the sink of an entry cut short (a truncated archive). */
  end(): void {
    if (this.remaining > 0) this.sink?.end();
    this.sink = undefined;
  }

  private header(h: Buffer): void {
    if (h.every((x) => x === 0)) {
      this.done = true;
      return;
    }
    const type = String.fromCharCode(h[156] || 0x30);
    const size = numeric(h, 124, 12);
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (type === 'x' || type === 'L' || type === 'g') {
      this.meta = [];
      this.metaType = type;
      this.remaining = size;
      if (size === 0) this.finishBody();
      return;
    }
    const prefix = h.subarray(257, 262).toString() === 'ustar' ? cstring(h, 345, 155) : '';
    const name = cstring(h, 0, 100);
    const entry: TarEntry = {
      path: this.next.path ?? (prefix ? `${prefix}/${name}` : name),
      size: this.next.size ?? size,
      type,
    };
    this.next = {};
    this.sink = this.onEntry(entry);
    this.remaining = entry.size;
    this.padding = (BLOCK - (entry.size % BLOCK)) % BLOCK;
    if (entry.size === 0) this.finishBody();
  }

  private finishBody(): void {
    if (this.meta) {
      const body = Buffer.concat(this.meta);
      this.meta = undefined;
      if (this.metaType === 'L') this.next.path = cstring(body, 0, body.length);
      if (this.metaType === 'x') {
        const r = paxRecords(body);
        if (r.has('path')) this.next.path = r.get('path')!;
        if (r.has('size')) this.next.size = Number(r.get('size'));
      }
      return;
    }
    this.sink?.end();
    this.sink = undefined;
  }
}
