// SHA-256 of a jar, taken on a worker thread so that hashing never slows the upload's own sending path: on a busy
// machine, hashing the chunks as they are sent cost the upload a third of its throughput.
import * as crypto from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { jarChunks } from './jarUpload';

// Evaluated source rather than a file of its own, so that it works from the bundles as from plain Node.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const crypto = require('node:crypto');
const fs = require('node:fs');
const hash = crypto.createHash('sha256');
fs.createReadStream(workerData, { highWaterMark: 1 << 20 })
  .on('data', (chunk) => hash.update(chunk))
  .on('error', (err) => parentPort.postMessage({ error: err.message }))
  .on('end', () => parentPort.postMessage({ sha256: hash.digest('hex') }));
`;

/** Hashes the file on this thread (the fallback where no worker can be started). */
export async function hashFileHere(filePath: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of jarChunks(filePath)) hash.update(chunk);
  return hash.digest('hex');
}

/** Hashes the file on a worker thread; falls back to this thread where workers are not available. */
export function hashFileOffThread(filePath: string): Promise<string> {
  let worker: Worker;
  try {
    worker = new Worker(WORKER_SOURCE, { eval: true, workerData: filePath });
  } catch {
    return hashFileHere(filePath);
  }
  return new Promise<string>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      fn();
      void worker.terminate();
    };
    worker.once('message', (m: { sha256?: string; error?: string }) =>
      settle(() => (m.sha256 ? resolve(m.sha256) : reject(new Error(`Cannot read the jar ${filePath}: ${m.error ?? 'unknown error'}`)))));
    worker.once('error', (err) => settle(() => reject(err)));
    worker.once('exit', (code) => settle(() => reject(new Error(`the hashing worker for ${filePath} exited with code ${code}`))));
  });
}
