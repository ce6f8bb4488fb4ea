/**
 * The ustar headers of a backup archive, written here rather than by modern-tar's packer:
 * the packer is one stream from the first entry to the last, and a backup is written by
 * many queue messages, each of which must be able to stop after any entry and let the
 * next message continue the same archive. A ustar header depends on nothing but its own
 * entry, so each message writes its entries' 512-byte headers itself. Archives are read
 * with modern-tar's decoder (see archive-reader.ts), and the tests read them with it too.
 */

export const BLOCK = 512;
const encoder = new TextEncoder();

function writeString(block: Uint8Array, offset: number, length: number, value: string) {
  const bytes = encoder.encode(value);
  block.set(bytes.subarray(0, length), offset);
}

function writeOctal(block: Uint8Array, offset: number, length: number, value: number) {
  // length - 1 octal digits and a NUL terminator.
  writeString(block, offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
}

/** Sizes of 8 GiB and more do not fit 11 octal digits; GNU and POSIX readers take base-256 then. */
function writeSize(block: Uint8Array, size: number) {
  if (size < 8 ** 11) {
    writeOctal(block, 124, 12, size);
    return;
  }
  let rest = BigInt(size);
  for (let i = 135; i > 124; i--) {
    block[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  block[124] = 0x80;
}

function ustarHeader(name: string, size: number, type: '0' | 'x', mtime: number): Uint8Array {
  const block = new Uint8Array(BLOCK);
  writeString(block, 0, 100, name);
  writeOctal(block, 100, 8, 0o644);
  writeOctal(block, 108, 8, 0);
  writeOctal(block, 116, 8, 0);
  writeSize(block, size);
  writeOctal(block, 136, 12, Math.floor(mtime / 1000));
  block.fill(0x20, 148, 156);
  block[156] = type.charCodeAt(0);
  writeString(block, 257, 6, 'ustar\0');
  writeString(block, 263, 2, '00');
  let sum = 0;
  for (const byte of block) sum += byte;
  writeString(block, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return block;
}

/** Bytes of zero padding after a body of `size` bytes. */
export const paddingFor = (size: number) => (BLOCK - (size % BLOCK)) % BLOCK;

/**
 * The header block(s) of a regular file entry. A name longer than ustar's 100 bytes (an R2
 * key can be 1024) or not plain ASCII goes in a PAX `path` record before the header.
 */
export function entryHeader(name: string, size: number, mtime: number): Uint8Array {
  const nameBytes = encoder.encode(name).length;
  if (nameBytes <= 100 && /^[\x20-\x7e]*$/.test(name)) return ustarHeader(name, size, '0', mtime);
  const body = `path=${name}\n`;
  // The record's length counts its own digits.
  let length = encoder.encode(body).length + 2;
  for (;;) {
    const counted = encoder.encode(`${length} ${body}`).length;
    if (counted === length) break;
    length = counted;
  }
  const record = encoder.encode(`${length} ${body}`);
  const pax = ustarHeader('PaxHeader', record.length, 'x', mtime);
  const out = new Uint8Array(BLOCK + record.length + paddingFor(record.length) + BLOCK);
  out.set(pax, 0);
  out.set(record, BLOCK);
  out.set(ustarHeader(name.slice(0, 90).replace(/[^\x20-\x7e]/g, '_'), size, '0', mtime), out.length - BLOCK);
  return out;
}

/** Two zero blocks end an archive. */
export const END_OF_ARCHIVE = new Uint8Array(2 * BLOCK);
