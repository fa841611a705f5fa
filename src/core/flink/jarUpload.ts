// The multipart/form-data body of POST /jars/upload, streamed from disk with a known length.
// Built by hand rather than with FormData so that the jar is never held in memory, the Content-Length is known
// up front (Flink's size check, progress) and the part carries the headers Flink insists on.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface UploadProgress {
  /** Bytes of the jar read from disk and handed to the connection so far. */
  sentBytes: number;
  /** Size of the jar. */
  totalBytes: number;
}

export interface UploadHooks {
  onProgress?: (p: UploadProgress) => void;
  /** Sees every byte of the jar in order as it is sent (e.g. to hash it during the upload's own read). The chunk is reused once the call returns: copy what you keep. */
  onChunk?: (chunk: Buffer) => void;
}

export interface MultipartJarBody {
  boundary: string;
  /** The request's Content-Type header value. */
  contentType: string;
  /** Exact length of the whole body: preamble + jar + epilogue. */
  contentLength: number;
  /** Part headers, before the jar bytes. */
  head: Buffer;
  /** Closing boundary, after the jar bytes. */
  tail: Buffer;
  /** A fresh iteration of the whole body (one per attempt), a request body for undici. Take each chunk once the previous one is sent. */
  open(hooks?: UploadHooks | ((p: UploadProgress) => void)): AsyncGenerator<Buffer>;
}
/** The file name Flink sees: it must end in .jar, and quotes or line breaks would break the part header. */
export function uploadFileName(filePath: string): string {
  let name = path.basename(filePath).replace(/["\r\n\\]/g, '_');
  if (!name.toLowerCase().endsWith('.jar')) name += '.jar';
  return name;
}

export function multipartJarBody(filePath: string, fileSize: number, options: { fileName?: string; boundary?: string } = {}): MultipartJarBody {
  const boundary = options.boundary ?? `----FlinkMesosJar${crypto.randomBytes(12).toString('hex')}`;
  const fileName = options.fileName ?? uploadFileName(filePath);
  const head = Buffer.from(
    `--${boundary}\r\n` +
      `Content-Disposition: form-data; name="jarfile"; filename="${fileName}"\r\n` +
      `Content-Type: application/x-java-archive\r\n` +
      `\r\n`,
    'utf8',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8');
  return {
    boundary,
    contentType: `multipart/form-data; boundary=${boundary}`,
    contentLength: head.length + fileSize + tail.length,
    head,
    tail,
    open(hooks = {}) {
      const { onProgress, onChunk } = typeof hooks === 'function' ? { onProgress: hooks, onChunk: undefined } : hooks;
      // Given to undici as an async iterable, not wrapped in a Readable, which would read ahead: jarChunks reuses its buffers.
      return bodyChunks(filePath, fileSize, head, tail, onProgress, onChunk);
    },
  };
}

/**
 * Size of each read from the jar. Every chunk costs a thread-pool read, promise hops and an undici write with a 'drain'
 * wait: 1 MiB needs 40 % less CPU per GiB than 128 KiB (README, Performance: uploads), and the ring stays at 4 MiB.
 * Larger than a socket's write high-water mark (16 KiB in Node 20, 64 KiB in 22), see jarChunks.
 */
export const JAR_READ_CHUNK_BYTES = 1024 * 1024;
const JAR_READ_BUFFERS = 4;

/**
 * The bytes of a file in order, read into a small ring of reused buffers so that memory stays flat however large the jar
 * (a fresh buffer per read piles up as garbage until V8 collects it: tens of MB during a 1 GiB upload). The next read
 * starts while the current chunk is being sent, so disk and socket overlap.
 * A chunk stays valid until JAR_READ_BUFFERS - 2 further chunks have been taken. The upload needs one: undici writes each
 * chunk under cork, so socket.write returns false for a chunk above the socket's high-water mark, and undici then waits
 * for 'drain' (every write done) before it takes the next chunk. Every chunk but the last is full, so above that mark.
 */
export async function* jarChunks(filePath: string, chunkBytes = JAR_READ_CHUNK_BYTES): AsyncGenerator<Buffer> {
  const file = await fs.promises.open(filePath, 'r');
  const ring = Array.from({ length: JAR_READ_BUFFERS }, () => Buffer.allocUnsafeSlow(chunkBytes));
  let position = 0;
  /** Fills a buffer from the current position (a short read is retried); resolves to the bytes read, 0 at the end. */
  const fill = async (buffer: Buffer, from: number): Promise<number> => {
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await file.read(buffer, filled, buffer.length - filled, from + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled;
  };
  let next: Promise<number> | undefined = fill(ring[0], 0);
  try {
    for (let n = 0; next; n++) {
      const buffer = ring[n % ring.length];
      const filled = await next;
      next = undefined;
      if (filled === 0) return;
      position += filled;
      if (filled === buffer.length) {
        next = fill(ring[(n + 1) % ring.length], position);
        yield buffer;
      } else {
        yield buffer.subarray(0, filled);
      }
    }
  } finally {
    // A read still running when the consumer stops must end before its file handle is closed.
    if (next) await next.catch(() => 0);
    await file.close();
  }
}

async function* bodyChunks(
  filePath: string,
  fileSize: number,
  head: Buffer,
  tail: Buffer,
  onProgress?: (p: UploadProgress) => void,
  onChunk?: (chunk: Buffer) => void,
): AsyncGenerator<Buffer> {
  yield head;
  let sent = 0;
  onProgress?.({ sentBytes: 0, totalBytes: fileSize });
  for await (const chunk of jarChunks(filePath)) {
    sent += chunk.length;
    if (sent > fileSize) break;
    onChunk?.(chunk);
    yield chunk;
    onProgress?.({ sentBytes: sent, totalBytes: fileSize });
  }
  // The Content-Length is already on the wire: a jar that changed size mid-upload must not be sent silently wrong.
  if (sent !== fileSize) {
    throw new Error(`The jar ${filePath} changed while it was being uploaded (expected ${fileSize} bytes, read ${sent}). Upload it again once it is written.`);
  }
  yield tail;
}

/** The jar id Flink assigns: the base name of the stored file ("<uuid>_<name>.jar"). */
export function jarIdFromUploadAnswer(filename: string): string {
  const parts = filename.split(/[\\/]/);
  return parts[parts.length - 1];
}
