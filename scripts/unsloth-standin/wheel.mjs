// Writes the wheel of the stand-in trainer (trainer.py next to this file) into a directory and
// prints its requirements line, `aikit-unsloth-standin==1.0 --hash=sha256:<hex>`. The zip is
// stored (not compressed) with fixed dates, so the same trainer always gives the same hash.
// Node, not Python: the build machine's Python is not guaranteed, Node is.
//
// Usage: node scripts/unsloth-standin/wheel.mjs DIR
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const NAME = 'aikit_unsloth_standin';
const VERSION = '1.0';
const INFO = `${NAME}-${VERSION}.dist-info`;
const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: node scripts/unsloth-standin/wheel.mjs DIR\n');
  process.exit(2);
}

const files = [
  [`${NAME}/__init__.py`, readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'trainer.py'))],
  [
    `${INFO}/METADATA`,
    `Metadata-Version: 2.1\nName: aikit-unsloth-standin\nVersion: ${VERSION}\nSummary: A stand-in for aikit's Unsloth trainer (tests without a GPU)\n`,
  ],
  [`${INFO}/WHEEL`, 'Wheel-Version: 1.0\nGenerator: aikit\nRoot-Is-Purelib: true\nTag: py3-none-any\n'],
  [`${INFO}/entry_points.txt`, `[console_scripts]\naikit-unsloth-standin = ${NAME}:main\n`],
].map(([name, body]) => [name, Buffer.from(body)]);
const record = files
  .map(([name, body]) => {
    const digest = createHash('sha256').update(body).digest('base64url');
    return `${name},sha256=${digest},${body.length}\n`;
  })
  .join('');
files.push([`${INFO}/RECORD`, Buffer.from(`${record}${INFO}/RECORD,,\n`)]);

// zlib.crc32 is Node >= 20.15; the table form works on every Node 20.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// A stored zip: local headers with the data, then the central directory and its end record.
const DOS_DATE = (0 << 9) | (1 << 5) | 1; // 1980-01-01, the earliest date a zip can hold
const parts = [];
const central = [];
let offset = 0;
for (const [name, body] of files) {
  const n = Buffer.from(name);
  const crc = crc32(body);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(0, 6);
  local.writeUInt16LE(0, 8);
  local.writeUInt16LE(0, 10);
  local.writeUInt16LE(DOS_DATE, 12);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(body.length, 18);
  local.writeUInt32LE(body.length, 22);
  local.writeUInt16LE(n.length, 26);
  local.writeUInt16LE(0, 28);
  const entry = Buffer.alloc(46);
  entry.writeUInt32LE(0x02014b50, 0);
  entry.writeUInt16LE((3 << 8) | 20, 4); // made on Unix, so the mode below counts
  entry.writeUInt16LE(20, 6);
  entry.writeUInt16LE(0, 8);
  entry.writeUInt16LE(0, 10);
  entry.writeUInt16LE(0, 12);
  entry.writeUInt16LE(DOS_DATE, 14);
  entry.writeUInt32LE(crc, 16);
  entry.writeUInt32LE(body.length, 20);
  entry.writeUInt32LE(body.length, 24);
  entry.writeUInt16LE(n.length, 28);
  entry.writeUInt32LE((0o100644 << 16) >>> 0, 38);
  entry.writeUInt32LE(offset, 42);
  parts.push(local, n, body);
  central.push(entry, n);
  offset += local.length + n.length + body.length;
}
const cd = Buffer.concat(central);
const end = Buffer.alloc(22);
end.writeUInt32LE(0x06054b50, 0);
end.writeUInt16LE(files.length, 8);
end.writeUInt16LE(files.length, 10);
end.writeUInt32LE(cd.length, 12);
end.writeUInt32LE(offset, 16);
const wheel = Buffer.concat([...parts, cd, end]);
writeFileSync(join(dir, `${NAME}-${VERSION}-py3-none-any.whl`), wheel);
process.stdout.write(
  `aikit-unsloth-standin==${VERSION} --hash=sha256:${createHash('sha256').update(wheel).digest('hex')}\n`,
);
