// Streams a multipart/form-data request to disk part by part: a 1 GiB jar never sits in memory.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface UploadedFilePart {
  field: string;
  fileName: string;
  contentType?: string;
  path: string;
  size: number;
}

export interface MultipartResult {
  files: UploadedFilePart[];
  fields: { name: string; value: string }[];
  tooLarge: boolean;
  malformed?: string;
}

export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data/i.test(contentType)) return undefined;
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

function parseHeaders(block: string): { name?: string; fileName?: string; contentType?: string } {
  const out: { name?: string; fileName?: string; contentType?: string } = {};
  for (const line of block.split('\r\n')) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    const key = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    if (key === 'content-disposition') {
      const name = /\bname="([^"]*)"/i.exec(value) ?? /\bname=([^;]+)/i.exec(value);
      const fileStar = /filename\*=(?:UTF-8'')?([^;]+)/i.exec(value);
      const file = /\bfilename="([^"]*)"/i.exec(value) ?? /\bfilename=([^;]+)/i.exec(value);
      if (name) out.name = name[1].trim();
      if (fileStar) out.fileName = decodeURIComponent(fileStar[1].trim());
      else if (file) out.fileName = file[1].trim();
    } else if (key === 'content-type') {
      out.contentType = value;
    }
  }
  return out;
}

/**
 * Reads the whole request. Files go to `dir` under temporary names; the caller renames or deletes them.
 * Past `maxBytes` the rest of the body is read and dropped and `tooLarge` is set.
 */
export function receiveMultipart(req: IncomingMessage, boundary: string, dir: string, maxBytes: number): Promise<MultipartResult> {
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const headerEnd = Buffer.from('\r\n\r\n');
  const result: MultipartResult = { files: [], fields: [], tooLarge: false };
  const pendingCloses: Promise<void>[] = [];
  let buf: Buffer = Buffer.from('\r\n'); // so the first boundary looks like every other delimiter
  let state: 'preamble' | 'afterDelimiter' | 'headers' | 'body' | 'done' = 'preamble';
  let total = 0;
  let current: { headers: ReturnType<typeof parseHeaders>; stream?: fs.WriteStream; file?: UploadedFilePart; chunks?: Buffer[] } | undefined;

  // Back-pressure: while a file part's stream has more buffered than its highWaterMark, the request is paused. It resumes
  // on 'drain', or on 'finish'/'close' when the part ends first: a stream that is ending never emits 'drain', so waiting
  // for 'drain' alone would leave the request paused for good (and the upload without an answer).
  let blockedBy: fs.WriteStream | undefined;
  const waitFor = (s: fs.WriteStream): void => {
    if (blockedBy) return;
    blockedBy = s;
    req.pause();
    const go = (): void => {
      s.off('drain', go);
      s.off('finish', go);
      s.off('close', go);
      if (blockedBy !== s) return;
      blockedBy = undefined;
      req.resume();
    };
    s.on('drain', go);
    s.on('finish', go);
    s.on('close', go);
  };
  const openFile = (tmp: string): fs.WriteStream => {
    const s = fs.createWriteStream(tmp);
    s.on('error', (err) => {
      // Disk full, folder gone: the upload is refused, never half-stored.
      if (!result.malformed) result.malformed = `the upload could not be stored (${err.message})`;
    });
    pendingCloses.push(new Promise((res) => s.once('close', () => res())));
    return s;
  };

  const writePart = (data: Buffer): void => {
    if (!current || data.length === 0) return;
    if (current.stream && current.file) {
      current.file.size += data.length;
      if (!current.stream.write(data)) waitFor(current.stream);
    } else if (current.chunks) {
      current.chunks.push(data);
    }
  };
  const endPart = (): void => {
    if (!current) return;
    if (current.stream) {
      current.stream.end();
    } else if (current.chunks) {
      result.fields.push({ name: current.headers.name ?? '', value: Buffer.concat(current.chunks).toString('utf8') });
    }
    current = undefined;
  };

  const consume = (): void => {
    for (;;) {
      if (state === 'preamble' || state === 'body') {
        const idx = buf.indexOf(delimiter);
        if (idx < 0) {
          const keep = delimiter.length - 1;
          if (buf.length > keep) {
            if (state === 'body') writePart(buf.subarray(0, buf.length - keep));
            buf = buf.subarray(buf.length - keep);
          }
          return;
        }
        if (state === 'body') {
          writePart(buf.subarray(0, idx));
          endPart();
        }
        buf = buf.subarray(idx + delimiter.length);
        state = 'afterDelimiter';
      } else if (state === 'afterDelimiter') {
        if (buf.length < 2) return;
        if (buf[0] === 0x2d && buf[1] === 0x2d) {
          state = 'done';
          buf = Buffer.alloc(0);
          return;
        }
        const nl = buf.indexOf('\r\n');
        if (nl < 0) return;
        buf = buf.subarray(nl + 2); // skips transport padding after the boundary
        state = 'headers';
      } else if (state === 'headers') {
        const idx = buf.indexOf(headerEnd);
        if (idx < 0) {
          if (buf.length > 16384) {
            result.malformed = 'part headers too long';
            state = 'done';
          }
          return;
        }
        const headers = parseHeaders(buf.subarray(0, idx).toString('utf8'));
        buf = buf.subarray(idx + headerEnd.length);
        if (headers.fileName !== undefined) {
          const tmp = path.join(dir, `.upload-${randomUUID()}.part`);
          const file: UploadedFilePart = { field: headers.name ?? '', fileName: headers.fileName, contentType: headers.contentType, path: tmp, size: 0 };
          result.files.push(file);
          current = { headers, stream: openFile(tmp), file };
        } else {
          current = { headers, chunks: [] };
        }
        state = 'body';
      } else {
        buf = Buffer.alloc(0);
        return;
      }
    }
  };

  return new Promise((resolve, reject) => {
    let ended = false;
    // A request cut before its end (the client went away): close what was opened, remove what was written, and fail.
    const abandon = (err: Error): void => {
      if (ended) return;
      ended = true;
      current?.stream?.destroy();
      current = undefined;
      void Promise.all(pendingCloses).then(() => {
        removeUploadedFiles(result);
        reject(err);
      });
    };
    req.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (result.tooLarge) return;
      if (total > maxBytes) {
        result.tooLarge = true;
        endPart();
        return;
      }
      if (state === 'done') return;
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      consume();
    });
    req.on('error', abandon);
    req.on('close', () => abandon(new Error('the upload connection closed before the request body ended')));
    req.on('end', () => {
      if (ended) return;
      ended = true;
      if (state !== 'done' && !result.tooLarge && !result.malformed) result.malformed = 'the multipart body ended before its closing boundary';
      endPart();
      Promise.all(pendingCloses).then(() => resolve(result), reject);
    });
  });
}

export function removeUploadedFiles(result: MultipartResult): void {
  for (const f of result.files) fs.rmSync(f.path, { force: true });
}
