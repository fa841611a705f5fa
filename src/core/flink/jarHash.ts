// SHA-256 of a jar, taken only where the dedupe needs content (a file whose stat no longer matches what was sent).
// No worker thread: a second read of a 1 GiB jar beside the upload cost up to 90 MB of RSS and, on a busy machine,
// a core the upload needed; the common case (first upload, or an untouched file) now reads the jar once and hashes nothing.
import * as crypto from 'node:crypto';
import { jarChunks } from './jarUpload';

/** Streamed SHA-256 of a file, through jarUpload's ring of reused buffers (flat memory however large the jar). */
export async function hashFile(filePath: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of jarChunks(filePath)) hash.update(chunk);
  return hash.digest('hex');
}

/** Hashes the chunks of an upload as they are sent (jarUpload's onChunk): the upload's own read, no second one. */
export function sendPathHash(): { onChunk: (chunk: Buffer) => void; digest: () => string } {
  const hash = crypto.createHash('sha256');
  return { onChunk: (chunk) => hash.update(chunk), digest: () => hash.digest('hex') };
}
