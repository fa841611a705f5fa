// RecordIO framing of the Mesos event stream: `<size in ASCII digits>\n<size bytes of data>`, repeated.
// Parsed on bytes: sizes count bytes, and a multi-byte UTF-8 character may be split across chunks.

export const MAX_SIZE_DIGITS = 20;
export const DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024;

export type RecordIOErrorKind = 'badSize' | 'oversized' | 'truncated';

export class RecordIOError extends Error {
  readonly kind: RecordIOErrorKind;
  constructor(kind: RecordIOErrorKind, message: string) {
    super(message);
    this.name = 'RecordIOError';
    this.kind = kind;
  }
}

export interface RecordIODecoderOptions {
  /** Largest record accepted, in bytes (default 16 MiB). */
  maxRecordBytes?: number;
}

const LF = 10;
const ZERO = 48;
const NINE = 57;

function describeByte(b: number): string {
  return b >= 0x20 && b < 0x7f ? `'${String.fromCharCode(b)}'` : `byte 0x${b.toString(16).padStart(2, '0')}`;
}

/**
 * Streaming decoder. Feed it chunks with push(); it calls onRecord with each whole record decoded as UTF-8.
 * Chunks are kept by reference until their record completes, so callers must not reuse a chunk's memory.
 * After an error the decoder stays failed: the stream cannot be resynchronised.
 */
export class RecordIODecoder {
  private readonly maxRecordBytes: number;
  private readonly onRecord: (record: string) => void;
  /** Bytes still needed for the current record, or -1 while reading a size line. */
  private need = -1;
  private size = 0;
  private digits = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private failure: RecordIOError | undefined;
  private offset = 0;

  constructor(onRecord: (record: string) => void, options: RecordIODecoderOptions = {}) {
    const max = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    if (!Number.isSafeInteger(max) || max < 1) throw new RangeError(`maxRecordBytes must be a positive integer, got ${max}`);
    this.maxRecordBytes = max;
    this.onRecord = onRecord;
  }

  /** Bytes consumed so far (for error messages). */
  get bytesRead(): number { return this.offset; }

  push(input: Uint8Array): void {
    if (this.failure !== undefined) throw this.failure;
    const chunk = input instanceof Buffer ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    const n = chunk.length;
    const max = this.maxRecordBytes;
    const onRecord = this.onRecord;
    let i = 0;
    let need = this.need;
    while (i < n) {
      if (need < 0) {
        // Size line: digits, then LF.
        let size = this.size;
        let digits = this.digits;
        let b = 0;
        while (i < n) {
          b = chunk[i++];
          if (b === LF) break;
          if (b < ZERO || b > NINE) break;
          size = size * 10 + (b - ZERO);
          if (++digits > MAX_SIZE_DIGITS) {
            return this.fail('badSize', `RecordIO size has more than ${MAX_SIZE_DIGITS} digits at byte ${this.offset + i - 1}`);
          }
        }
        if (b === LF && digits > 0) {
          if (size > max) return this.fail('oversized', `RecordIO record of ${size} bytes exceeds the limit of ${max} bytes`);
          need = size;
          this.size = 0;
          this.digits = 0;
          if (need === 0) {
            need = -1;
            this.need = -1;
            onRecord('');
          }
          continue;
        }
        if (b >= ZERO && b <= NINE) {
          // The chunk ended inside the size line.
          this.size = size;
          this.digits = digits;
          break;
        }
        const what = b === LF ? 'an empty size line' : `${describeByte(b)} in the size line`;
        return this.fail('badSize', `RecordIO framing broken: expected ASCII digits then LF, got ${what} at byte ${this.offset + i - 1}`);
      }
      const available = n - i;
      if (available >= need) {
        const end = i + need;
        let record: string;
        if (this.pendingBytes === 0) {
          record = chunk.toString('utf8', i, end);
        } else {
          this.pending.push(chunk.subarray(i, end));
          record = Buffer.concat(this.pending, this.pendingBytes + need).toString('utf8');
          this.pending = [];
          this.pendingBytes = 0;
        }
        i = end;
        need = -1;
        this.need = -1;
        onRecord(record);
      } else {
        this.pending.push(i === 0 ? chunk : chunk.subarray(i));
        this.pendingBytes += available;
        need -= available;
        break;
      }
    }
    this.need = need;
    this.offset += n;
  }

  /** The stream ended: fails if it stopped inside a record or a size line. */
  end(): void {
    if (this.failure) throw this.failure;
    if (this.need >= 0) {
      this.fail('truncated', `RecordIO stream ended inside a record: ${this.pendingBytes} of ${this.pendingBytes + this.need} bytes received`);
    }
    if (this.digits > 0) this.fail('truncated', 'RecordIO stream ended inside a size line');
  }

  private fail(kind: RecordIOErrorKind, message: string): never {
    this.failure = new RecordIOError(kind, message);
    throw this.failure;
  }
}

/** Frames one record (tests and benchmarks; the master does this on the real stream). */
export function encodeRecord(record: string | Uint8Array): Buffer {
  const data = typeof record === 'string' ? Buffer.from(record, 'utf8') : Buffer.from(record);
  return Buffer.concat([Buffer.from(`${data.length}\n`, 'ascii'), data]);
}

/** Frames many records into one buffer. */
export function encodeRecords(records: (string | Uint8Array)[]): Buffer {
  return Buffer.concat(records.map(encodeRecord));
}

/** Decodes a complete stream held in memory (tests and benchmarks). */
export function decodeAll(data: Uint8Array, options?: RecordIODecoderOptions): string[] {
  const out: string[] = [];
  const decoder = new RecordIODecoder((r) => out.push(r), options);
  decoder.push(data);
  decoder.end();
  return out;
}
