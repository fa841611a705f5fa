// The stand-in JobManager's upload under back-pressure: a complete upload always gets its answer, also right after a cut one,
// and a cut upload leaves nothing behind. (A request paused for 'drain' on a part that had already ended once waited forever.)
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { buildJar, WORDCOUNT_CLASS } from '../../fixtures/jars';
import { FlinkRestClient } from '../../../src/core/flink/FlinkRestClient';
import { type InProcessCluster, getJson, request, startInProcessCluster, uploadJar, waitFor } from './standinHarness';

const MiB = 1024 * 1024;
let c: InProcessCluster;
let jar: string;

before(async () => {
  c = await startInProcessCluster({ taskManagers: 0 });
  jar = await buildJar(path.join(c.dir, 'big.jar'), { mainClass: WORDCOUNT_CLASS, extraBytes: 3 * MiB });
});
after(async () => { await c.stop(); });

/** An upload request by hand: its headers and body, to send in pieces of our choosing. */
async function rawUpload(url: string, file: string): Promise<{ socket: net.Socket; body: Buffer; send: (part: Buffer) => Promise<void> }> {
  const boundary = `----raw${randomUUID()}`;
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="jarfile"; filename="${path.basename(file)}"\r\n` +
    'Content-Type: application/x-java-archive\r\n\r\n');
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const body = Buffer.concat([head, fs.readFileSync(file), tail]);
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  const send = (part: Buffer): Promise<void> => new Promise<void>((resolve) => socket.write(part, () => resolve()));
  await send(Buffer.from(`POST /jars/upload HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\n` +
    `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`));
  return { socket, body, send };
}

/** Sends the upload's headers and the first `cutAt` bytes of its body, then drops the connection. */
async function cutUpload(url: string, file: string, cutAt: number): Promise<void> {
  const { socket, body, send } = await rawUpload(url, file);
  await send(body.subarray(0, cutAt));
  await new Promise((r) => setTimeout(r, 20));
  socket.destroy();
}

const leftovers = (): string[] => fs.readdirSync(c.jm.jarDir).filter((f) => !f.endsWith('.jar'));

describe('uploads of a 3 MiB jar under back-pressure', { timeout: 120000 }, () => {
  test('a complete upload after a cut one gets its answer, 10 times in a row; nothing half-written stays', async () => {
    const client = new FlinkRestClient(c.url, { timeoutMs: 10000, retries: 0 });
    try {
      for (let i = 0; i < 10; i++) {
        await cutUpload(c.url, jar, [6 * 1024, MiB, 2 * MiB + 12345][i % 3]);
        const t0 = Date.now();
        // Alternates fetch (FormData) and the product's undici upload: different chunkings of the same body.
        const jarId = i % 2 === 0
          ? path.basename((await uploadWithin(c.url, jar, 10000)).filename)
          : (await client.uploadJar(jar)).jarId;
        assert.ok(Date.now() - t0 < 10000, `round ${i}: the answer took ${Date.now() - t0} ms`);
        const stored = path.join(c.jm.jarDir, jarId);
        assert.equal(fs.statSync(stored).size, fs.statSync(jar).size, `round ${i}: the whole jar was stored`);
        assert.equal((await request('DELETE', `${c.url}/jars/${jarId}`)).status, 200);
      }
    } finally {
      await client.close();
    }
    await waitFor(() => leftovers().length === 0, 5000, 'no half-written upload in the upload folder');
    assert.deepEqual((await getJson<{ files: unknown[] }>(`${c.url}/jars`)).body.files, []);
  });

  test('a last piece larger than the file stream\'s buffer, arriving with the closing boundary, still gets an answer', async () => {
    // The body but its last 40 KiB, a pause (so the stand-in writes all of it), then those 40 KiB in one piece: the part's
    // stream refuses more (write() returns false) in the same step that ends the part.
    const { socket, body, send } = await rawUpload(c.url, jar);
    const answer = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (d: Buffer) => { text += d.toString('latin1'); });
      socket.on('close', () => resolve(text));
    });
    try {
      await send(body.subarray(0, body.length - 40 * 1024));
      await new Promise((r) => setTimeout(r, 300));
      await send(body.subarray(body.length - 40 * 1024));
      const text = await Promise.race([answer, new Promise<string>((r) => setTimeout(() => r('(no answer within 5 s)'), 5000).unref())]);
      assert.match(text, /^HTTP\/1\.1 200 /, text.slice(0, 300));
      const filename = (JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { filename: string }).filename;
      assert.equal(fs.statSync(filename).size, fs.statSync(jar).size);
      assert.equal((await request('DELETE', `${c.url}/jars/${path.basename(filename)}`)).status, 200);
    } finally {
      socket.destroy();
    }
  });

  test('several complete uploads at once all get their answers', async () => {
    const answers = await Promise.all([0, 1, 2, 3].map(() => uploadWithin(c.url, jar, 15000)));
    for (const a of answers) {
      assert.equal(fs.statSync(a.filename).size, fs.statSync(jar).size);
      assert.equal((await request('DELETE', `${c.url}/jars/${path.basename(a.filename)}`)).status, 200);
    }
    assert.deepEqual(leftovers(), []);
  });
});

async function uploadWithin(url: string, file: string, ms: number): Promise<{ filename: string }> {
  const answer = await Promise.race([
    uploadJar(url, file),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer to a complete upload within ${ms} ms`)), ms).unref()),
  ]);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body;
}
