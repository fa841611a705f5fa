// One REST call as the recordings store it, and the raw HTTP that makes it (node:http, so an early 413 answer to an
// upload that is still being sent is kept instead of lost in a reset).
import * as http from 'node:http';

/** The headers a client acts on; the rest (dates, lengths) say nothing about the API. */
export const RECORDED_HEADERS = ['content-type'] as const;

export interface RecordedCall {
  /** The script step (also the fixture's file name). */
  step: string;
  method: string;
  /** The path and query as sent (real ids). */
  path: string;
  /** The JSON or text sent, as the script built it (uploads: a description of the parts). */
  request?: unknown;
  /** HTTP status, or 0 when the connection failed without an answer. */
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON, the text of a non-JSON answer, or the connection error's code. */
  body: unknown;
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  text: string;
}

export function rawRequest(baseUrl: string, method: string, pathAndQuery: string, body?: Buffer, headers: Record<string, string> = {}, timeoutMs = 60000): Promise<RawAnswer> {
  const url = new URL(pathAndQuery, baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const h: Record<string, string> = {};
        for (const name of RECORDED_HEADERS) {
          const v = res.headers[name];
          if (v !== undefined) h[name] = Array.isArray(v) ? v.join(', ') : v;
        }
        resolve({ status: res.statusCode ?? 0, headers: h, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${pathAndQuery} timed out after ${timeoutMs} ms`)));
    // A server that answers before reading the whole body (413) may reset the rest of the upload: the answer wins.
    req.on('error', reject);
    if (body) {
      // Sent in chunks so that an early answer is read while the rest is refused.
      let offset = 0;
      const writeNext = (): void => {
        while (offset < body.length) {
          const chunk = body.subarray(offset, offset + 65536);
          offset += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', writeNext);
        }
        req.end();
      };
      writeNext();
    } else {
      req.end();
    }
  });
}

/** A multipart/form-data body built by hand, so malformed ones can be sent too. */
export function multipart(parts: { name: string; fileName?: string; contentType?: string; data: Buffer }[], boundary = '----flinkmesosrecording'): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.fileName !== undefined ? `; filename="${p.fileName}"` : ''}`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${p.contentType ? `Content-Type: ${p.contentType}\r\n` : ''}\r\n`));
    chunks.push(p.data, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}
