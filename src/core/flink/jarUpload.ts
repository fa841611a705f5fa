// The multipart/form-data body of POST /jars/upload, streamed from disk with a known length.
// Built by hand rather than with FormData so that the jar is never held in memory, the Content-Length is known
// up front (Flink's size check, progress) and the part carries the headers Flink insists on.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';

export interface UploadProgress {
  /** Bytes of the jar read from disk and handed to the connection so far. */
  sentBytes: number;
  /** Size of the jar. */
  totalBytes: number;
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
  /** A fresh stream of the whole body (one per attempt). */
  open(onProgress?: (p: UploadProgress) => void): Readable;
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
    open(onProgress) {
      return Readable.from(bodyChunks(filePath, fileSize, head, tail, onProgress), { objectMode: false });
    },
  };
}

async function* bodyChunks(
  filePath: string,
  fileSize: number,
  head: Buffer,
  tail: Buffer,
  onProgress?: (p: UploadProgress) => void,
): AsyncGenerator<Buffer> {
  yield head;
  let sent = 0;
  onProgress?.({ sentBytes: 0, totalBytes: fileSize });
  const file = fs.createReadStream(filePath, { highWaterMark: 256 * 1024 });
  try {
    for await (const chunk of file as AsyncIterable<Buffer>) {
      sent += chunk.length;
      if (sent > fileSize) break;
      yield chunk;
      onProgress?.({ sentBytes: sent, totalBytes: fileSize });
    }
  } finally {
    file.destroy();
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
