// Child process of the upload floor probe (uploadFloor.ts): the same multipart POST /jars/upload as JarSubmitter.upload,
// sent by the least Node can do, to show how close to curl a Node sender gets on this machine.
// `node uploadFloorChild.js <jobManagerUrl> <jar> <net|undici>` prints one JSON line { uploadMs, cpuMs, status }.
// - net: a plain net.Socket, the request head written by hand, the jar read with fs.readSync into 256 KiB buffers on the
//   main thread (no HTTP library, no thread pool, no promises per chunk).
// - undici: undici's Pool with the body as an async iterable of 1 MiB thread-pool reads (our upload's way, none of our code).
import * as fs from 'node:fs';
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { Pool } from 'undici';

function multipart(fileName: string, size: number): { head: Buffer; tail: Buffer; contentType: string; length: number } {
  const boundary = '----FlinkMesosFloor0123456789abcdef01234567';
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="jarfile"; filename="${fileName}"\r\nContent-Type: application/x-java-archive\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { head, tail, contentType: `multipart/form-data; boundary=${boundary}`, length: head.length + size + tail.length };
}

/** The whole exchange on a plain socket; resolves to the answer's status once its body (Content-Length) is in. */
function sendNet(url: URL, jar: string, size: number): Promise<number> {
  const body = multipart('floor.jar', size);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname, () => {
      socket.setNoDelay(true);
      socket.write(`POST /jars/upload HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: ${body.contentType}\r\nContent-Length: ${body.length}\r\n\r\n`);
      socket.write(body.head);
      const fd = fs.openSync(jar, 'r');
      const buffers = [0, 1, 2, 3].map(() => Buffer.allocUnsafeSlow(256 * 1024));
      let position = 0;
      let n = 0;
      const pump = (): void => {
        for (;;) {
          const buffer = buffers[n++ % buffers.length];
          const read = fs.readSync(fd, buffer, 0, buffer.length, position);
          if (read === 0) {
            fs.closeSync(fd);
            socket.write(body.tail);
            return;
          }
          position += read;
          if (!socket.write(read === buffer.length ? buffer : buffer.subarray(0, read))) {
            socket.once('drain', pump);
            return;
          }
        }
      };
      pump();
    });
    let answer = '';
    socket.on('data', (d: Buffer) => {
      answer += d.toString('latin1');
      const end = answer.indexOf('\r\n\r\n');
      const length = end < 0 ? undefined : /content-length: *(\d+)/i.exec(answer.slice(0, end));
      if (end >= 0 && length && answer.length - end - 4 >= Number(length[1])) {
        socket.destroy();
        resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(answer)?.[1] ?? 0));
      }
    });
    socket.on('error', reject);
  });
}

async function* iterate(jar: string, head: Buffer, tail: Buffer): AsyncGenerator<Buffer> {
  yield head;
  const file = await fs.promises.open(jar, 'r');
  const buffers = [0, 1, 2, 3].map(() => Buffer.allocUnsafeSlow(1024 * 1024));
  let position = 0;
  let n = 0;
  let next = file.read(buffers[0], 0, buffers[0].length, 0);
  for (;;) {
    const { bytesRead, buffer } = await next;
    if (bytesRead === 0) break;
    position += bytesRead;
    next = file.read(buffers[++n % buffers.length], 0, buffers[0].length, position);
    yield bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
  }
  await file.close();
  yield tail;
}

async function sendUndici(url: URL, jar: string, size: number): Promise<number> {
  const body = multipart('floor.jar', size);
  const pool = new Pool(url.origin, { connections: 1 });
  try {
    // undici sends async iterables (its documented body types), though its typings do not list them.
    const res = await pool.request({ method: 'POST', path: '/jars/upload', headers: { 'content-type': body.contentType, 'content-length': String(body.length) }, body: iterate(jar, body.head, body.tail) as unknown as Readable });
    await res.body.text();
    return res.statusCode;
  } finally {
    await pool.close();
  }
}

async function main(): Promise<void> {
  const [jmUrl, jar, mode] = process.argv.slice(2);
  if (!jmUrl || !jar || (mode !== 'net' && mode !== 'undici')) throw new Error('usage: node uploadFloorChild.js <jobManagerUrl> <jar> <net|undici>');
  const size = fs.statSync(jar).size;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const status = mode === 'net' ? await sendNet(new URL(jmUrl), jar, size) : await sendUndici(new URL(jmUrl), jar, size);
  const uploadMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(`${JSON.stringify({ uploadMs, cpuMs: (cpu.user + cpu.system) / 1000, status })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`upload floor child: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
