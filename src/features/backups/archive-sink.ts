import { CHUNK, sealChunk, sealHeader } from './seal';

/**
 * R2 wants every part of a multipart upload but the last to be the same size, so the archive
 * is cut into parts of exactly PART_SIZE bytes. What a queue message leaves below one part
 * is carried to the next message in a small R2 object (the "tail"), never in memory.
 */
export const PART_SIZE = 8 * 1024 * 1024;

export interface SinkState {
  uploadId: string;
  parts: { partNumber: number; etag: string }[];
  /** Archive bytes (ciphertext when sealed) waiting for a full part: the tail's first bytes. */
  pendingBytes: number;
  /** Sealed archives: plaintext bytes waiting for a full chunk, after the pending part bytes in the tail. */
  plainBytes: number;
  /** Sealed archives: chunks sealed so far. */
  chunkIndex: number;
  /** Plain tar bytes written so far (the tar offset). */
  tarBytes: number;
  /** Bytes of the archive object so far, parts and pending together. */
  archiveBytes: number;
}

export interface SinkOptions {
  bucket: R2Bucket;
  upload: R2MultipartUpload;
  backupId: string;
  key: CryptoKey | null;
  state: SinkState;
  /** The tail the previous message left: pending part bytes then pending plaintext. */
  tail: Uint8Array | null;
}

/**
 * Where the archive's bytes go, in order: optional sealing into chunks, then fixed-size parts.
 * Holds at most one part and one chunk in memory, whatever the archive's size.
 */
export class ArchiveSink {
  readonly state: SinkState;
  private readonly part = new Uint8Array(PART_SIZE);
  private partFill = 0;
  private readonly plain: Uint8Array | null;
  private plainFill = 0;
  private readonly options: SinkOptions;

  constructor(options: SinkOptions) {
    this.options = options;
    this.state = { ...options.state, parts: [...options.state.parts] };
    this.plain = options.key ? new Uint8Array(CHUNK) : null;
    const tail = options.tail ?? new Uint8Array(0);
    if (tail.length !== this.state.pendingBytes + this.state.plainBytes) {
      throw new Error(
        `backup tail is ${tail.length} bytes, expected ${this.state.pendingBytes + this.state.plainBytes}`,
      );
    }
    this.part.set(tail.subarray(0, this.state.pendingBytes));
    this.partFill = this.state.pendingBytes;
    if (this.plain) {
      this.plain.set(tail.subarray(this.state.pendingBytes));
      this.plainFill = this.state.plainBytes;
    }
  }

  static initialState(uploadId: string): SinkState {
    return { uploadId, parts: [], pendingBytes: 0, plainBytes: 0, chunkIndex: 0, tarBytes: 0, archiveBytes: 0 };
  }

  /** The sealed archive's header goes first, before any tar byte. */
  async begin(): Promise<void> {
    if (this.options.key && this.state.archiveBytes === 0 && this.partFill === 0) {
      await this.toParts(sealHeader(this.options.backupId));
    }
  }

  /** Appends plain tar bytes. */
  async write(bytes: Uint8Array): Promise<void> {
    this.state.tarBytes += bytes.length;
    if (!this.plain) {
      await this.toParts(bytes);
      return;
    }
    let offset = 0;
    while (offset < bytes.length) {
      const take = Math.min(CHUNK - this.plainFill, bytes.length - offset);
      this.plain.set(bytes.subarray(offset, offset + take), this.plainFill);
      this.plainFill += take;
      offset += take;
      if (this.plainFill === CHUNK) await this.sealPlain(false);
    }
  }

  private async sealPlain(final: boolean) {
    const key = this.options.key as CryptoKey;
    const frame = await sealChunk(
      key,
      this.options.backupId,
      this.state.chunkIndex,
      final,
      (this.plain as Uint8Array).subarray(0, this.plainFill),
    );
    this.state.chunkIndex++;
    this.plainFill = 0;
    await this.toParts(frame);
  }

  private async toParts(bytes: Uint8Array) {
    this.state.archiveBytes += bytes.length;
    let offset = 0;
    while (offset < bytes.length) {
      const take = Math.min(PART_SIZE - this.partFill, bytes.length - offset);
      this.part.set(bytes.subarray(offset, offset + take), this.partFill);
      this.partFill += take;
      offset += take;
      if (this.partFill === PART_SIZE) await this.uploadPart(PART_SIZE);
    }
  }

  private async uploadPart(length: number) {
    const partNumber = this.state.parts.length + 1;
    const uploaded = await this.options.upload.uploadPart(partNumber, this.part.subarray(0, length));
    this.state.parts.push({ partNumber: uploaded.partNumber, etag: uploaded.etag });
    this.partFill = 0;
  }

  /** What the next message needs to continue: the state to commit and the tail bytes to store. */
  suspend(): { state: SinkState; tail: Uint8Array } {
    const tail = new Uint8Array(this.partFill + this.plainFill);
    tail.set(this.part.subarray(0, this.partFill));
    if (this.plain) tail.set(this.plain.subarray(0, this.plainFill), this.partFill);
    return { state: { ...this.state, pendingBytes: this.partFill, plainBytes: this.plainFill }, tail };
  }

  /** Seals the last chunk and uploads the last part; the parts are then ready for `complete`. */
  async finish(): Promise<SinkState> {
    if (this.plain) await this.sealPlain(true);
    if (this.partFill > 0 || this.state.parts.length === 0) await this.uploadPart(this.partFill);
    return { ...this.state, pendingBytes: 0, plainBytes: 0 };
  }
}
