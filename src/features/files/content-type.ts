/** Signatures of the types we recognise from a file's first bytes. */
const SIGNATURES: { type: string; offset?: number; bytes: number[] }[] = [
  { type: 'image/png', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { type: 'image/jpeg', bytes: [0xff, 0xd8, 0xff] },
  { type: 'image/gif', bytes: [0x47, 0x49, 0x46, 0x38] },
  { type: 'image/webp', offset: 8, bytes: [0x57, 0x45, 0x42, 0x50] },
  { type: 'application/pdf', bytes: [0x25, 0x50, 0x44, 0x46, 0x2d] },
  { type: 'application/zip', bytes: [0x50, 0x4b, 0x03, 0x04] },
  { type: 'application/gzip', bytes: [0x1f, 0x8b] },
  { type: 'audio/mpeg', bytes: [0x49, 0x44, 0x33] },
  { type: 'audio/ogg', bytes: [0x4f, 0x67, 0x67, 0x53] },
  { type: 'video/mp4', offset: 4, bytes: [0x66, 0x74, 0x79, 0x70] },
  { type: 'video/webm', bytes: [0x1a, 0x45, 0xdf, 0xa3] },
];

const SNIFFED = new Set(SIGNATURES.map((s) => s.type));

// Office documents are zip files; a declared OOXML/ODF type is consistent with a zip signature.
const ZIP_BASED =
  /^application\/(vnd\.openxmlformats-officedocument\.|vnd\.oasis\.opendocument\.|epub\+zip|java-archive)/;

/** Types a browser may render inline: they cannot run script in our origin. */
const INLINE_SAFE = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'audio/mpeg',
  'audio/ogg',
  'video/mp4',
  'video/webm',
  'text/plain',
  'application/pdf',
]);

export function sniff(head: Uint8Array): string | null {
  for (const signature of SIGNATURES) {
    const offset = signature.offset ?? 0;
    if (head.length < offset + signature.bytes.length) continue;
    if (signature.bytes.every((byte, i) => head[offset + i] === byte)) return signature.type;
  }
  return null;
}

function normalise(declared: string | null | undefined): string | null {
  const type = declared?.split(';')[0]?.trim().toLowerCase();
  return type && /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(type) ? type : null;
}

/**
 * The type we store and serve. The bytes win over the client's word: a
 * declared `image/png` whose bytes are HTML becomes `application/octet-stream`,
 * so it is never rendered as an image or a page.
 */
export function resolveContentType(declared: string | null | undefined, head: Uint8Array): string {
  const claimed = normalise(declared);
  const detected = sniff(head);
  if (detected === 'application/zip' && claimed && ZIP_BASED.test(claimed)) return claimed;
  if (detected) return detected;
  if (!claimed || SNIFFED.has(claimed)) return 'application/octet-stream';
  return claimed;
}

export function isInlineSafe(contentType: string): boolean {
  return INLINE_SAFE.has(contentType);
}
