// Reproducible tar headers: ustar with every varying field fixed (uid/gid 0, no user or group
// names, one mtime for all entries, mode 0644), and a PAX `path` record for names ustar cannot
// hold. The same files always give the same archive bytes, whoever packs them and when.

const BLOCK = 512;

/** The two zero blocks that end an archive. */
export const TAR_END = Buffer.alloc(2 * BLOCK);

/** Zero bytes that pad `size` bytes of content to a whole block. */
export function tarPadding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

/** The header block(s) of a regular file: a PAX record first when the path does not fit ustar. */
export function tarFileHeader(path: string, size: number, mtime: number): Buffer {
  const split = splitUstar(path);
  if (split) return header({ ...split, size, mtime, type: '0' });
  const record = paxRecord('path', path);
  const paxName = `PaxHeaders/${Buffer.from(path)
    .subarray(-80)
    .toString('latin1')
    .replace(/[^\x21-\x7e]/g, '_')}`;
  const truncated = splitUstar(path.slice(-99).replace(/^\/+/, '')) ?? { name: 'file', prefix: '' };
  return Buffer.concat([
    header({ name: paxName.slice(0, 99), prefix: '', size: record.length, mtime, type: 'x' }),
    record,
    tarPadding(record.length),
    header({ ...truncated, size, mtime, type: '0' }),
  ]);
}

/** `<len> key=value\n`, where len counts itself (POSIX pax extended header format). */
function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  const bodyLen = Buffer.byteLength(body);
  let len = bodyLen + 1;
  while (String(len).length + bodyLen !== len) len++;
  return Buffer.from(`${len}${body}`);
}

/** ustar's name (100 bytes) and prefix (155 bytes) split at a slash, or undefined. */
function splitUstar(path: string): { name: string; prefix: string } | undefined {
  const bytes = Buffer.byteLength(path);
  if (bytes <= 100 && /^[\x20-\x7e]*$/.test(path)) return { name: path, prefix: '' };
  if (!/^[\x20-\x7e]*$/.test(path)) return undefined;
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
    if (i <= 155 && path.length - i - 1 <= 100 && path.length - i - 1 > 0) {
      return { prefix: path.slice(0, i), name: path.slice(i + 1) };
    }
  }
  return undefined;
}

function header(h: { name: string; prefix: string; size: number; mtime: number; type: string }): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(h.name, 0, 100, 'latin1');
  octal(b, 100, 8, 0o644);
  octal(b, 108, 8, 0);
  octal(b, 116, 8, 0);
  octal(b, 124, 12, h.size);
  octal(b, 136, 12, h.mtime);
  b.write('        ', 148, 8, 'latin1');
  b.write(h.type, 156, 1, 'latin1');
  b.write('ustar\x0000', 257, 8, 'latin1');
  b.write(h.prefix, 345, 155, 'latin1');
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return b;
}

/** A zero-padded octal field ending in NUL; sizes of 8 GiB and more use the base-256 form. */
function octal(b: Buffer, at: number, width: number, value: number): void {
  const text = value.toString(8);
  if (text.length < width) {
    b.write(`${text.padStart(width - 1, '0')}\0`, at, width, 'latin1');
    return;
  }
  b[at] = 0x80;
  let v = value;
  for (let i = at + width - 1; i > at; i--) {
    b[i] = v % 256;
    v = Math.floor(v / 256);
  }
}
