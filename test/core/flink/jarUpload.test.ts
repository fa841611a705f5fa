// The upload reads the jar into a ring of reused buffers and hashes it only for a dedupe candidate: the bytes must still
// arrive intact under back-pressure, and the dedupe must still go by content when path, size and mtime match.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { FlinkRestClient } from '../../../src/core/flink/FlinkRestClient';
import { JarSubmitter, MemoryJarUploadStore, fingerprintJar } from '../../../src/core/flink/JarSubmitter';
import { hashFile } from '../../../src/core/flink/jarHash';
import { JAR_READ_CHUNK_BYTES, jarChunks } from '../../../src/core/flink/jarUpload';
import { startInProcessCluster, type InProcessCluster } from '../../standin/flink/standinHarness';
import { tempDir } from './testJars';

const sha256 = (data: Buffer): string => crypto.createHash('sha256').update(data).digest('hex');

describe('jar upload through reused buffers', { timeout: 60000 }, () => {
  const tmp = tempDir('flink-upload-ring-');
  const uploadDir = path.join(tmp.dir, 'jm-upload');
  let cluster: InProcessCluster;
  let client: FlinkRestClient;
  before(async () => {
    cluster = await startInProcessCluster({ taskManagers: 0, conf: { 'web.upload.dir': uploadDir } });
    client = new FlinkRestClient(cluster.url, { retries: 0 });
  });
  after(async () => {
    await client?.close();
    await cluster?.stop();
    tmp.cleanup();
  });

  test('jarChunks yields the file in order, every chunk full but the last', async () => {
    const data = crypto.randomBytes(3 * JAR_READ_CHUNK_BYTES + 12345);
    const file = path.join(tmp.dir, 'chunks.bin');
    fs.writeFileSync(file, data);
    const seen: Buffer[] = [];
    for await (const chunk of jarChunks(file)) seen.push(Buffer.from(chunk)); // copied: the buffers are reused
    assert.deepEqual(seen.map((c) => c.length), [JAR_READ_CHUNK_BYTES, JAR_READ_CHUNK_BYTES, JAR_READ_CHUNK_BYTES, 12345]);
    assert.ok(Buffer.concat(seen).equals(data));
    // Stopping early closes the file (no leaked handle, no error from a read still running).
    for await (const chunk of jarChunks(file)) if (chunk.length > 0) break;
  });

  test('a 24 MiB jar of random bytes arrives byte for byte under back-pressure', async () => {
    const data = crypto.randomBytes(24 * 1024 * 1024);
    const file = path.join(tmp.dir, 'random.jar');
    fs.writeFileSync(file, data);
    const sent: number[] = [];
    const hash = crypto.createHash('sha256');
    const { jarId } = await client.uploadJar(file, { onProgress: (p) => sent.push(p.sentBytes), onChunk: (c) => hash.update(c) });
    const stored = fs.readdirSync(uploadDir, { recursive: true }).map(String).find((f) => f.endsWith(jarId));
    assert.ok(stored, `the JobManager stored ${jarId}`);
    assert.equal(sha256(fs.readFileSync(path.join(uploadDir, stored))), sha256(data), 'the stored jar is the file sent');
    assert.equal(hash.digest('hex'), sha256(data), 'onChunk saw every byte in order');
    assert.equal(sent[sent.length - 1], data.length);
  });

  test('same path, size and mtime but other contents (the ctime moved): the jar is uploaded again', async () => {
    const file = path.join(tmp.dir, 'same-stat.jar');
    const store = new MemoryJarUploadStore();
    const submitter = new JarSubmitter(client, { store });
    fs.writeFileSync(file, crypto.randomBytes(300000));
    const stamp = new Date(2024, 0, 1);
    fs.utimesSync(file, stamp, stamp);
    const first = await submitter.upload(file);
    assert.equal(first.uploaded, true);
    const again = await submitter.upload(file);
    assert.equal(again.uploaded, false, 'unchanged: not uploaded twice');
    assert.equal(again.jarId, first.jarId);
    // Overwrite in place (same inode, same size) and restore the mtime.
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, crypto.randomBytes(300000), 0, 300000, 0);
    fs.closeSync(fd);
    fs.utimesSync(file, stamp, stamp);
    const changed = await submitter.upload(file);
    assert.equal(changed.uploaded, true, 'other contents under the same stat: uploaded again');
    assert.notEqual(changed.jarId, first.jarId);
    assert.equal((await fingerprintJar(file)).sha256, sha256(fs.readFileSync(file)));
    // force uploads even an unchanged file.
    const forced = await submitter.upload(file, { force: true });
    assert.equal(forced.uploaded, true);
    assert.equal((await submitter.upload(file)).jarId, forced.jarId, 'the forced upload is the one remembered');
  });

  test('hashing only for a dedupe candidate: a first upload and an untouched file hash nothing; a touched one is hashed in the send path', async () => {
    const file = path.join(tmp.dir, 'hash-when-needed.jar');
    fs.writeFileSync(file, crypto.randomBytes(8 * 1024 * 1024));
    const submitter = new JarSubmitter(client, { store: new MemoryJarUploadStore() });
    // The module object itself: the import above is a read-only view of it.
    const cryptoModule = createRequire(__filename)('node:crypto') as { createHash: typeof crypto.createHash };
    const original = cryptoModule.createHash;
    let hashes = 0;
    cryptoModule.createHash = ((...args: Parameters<typeof crypto.createHash>) => {
      if (String(args[0]).toLowerCase() === 'sha256') hashes++;
      return original(...args);
    }) as typeof crypto.createHash;
    try {
      const first = await submitter.upload(file);
      assert.equal(first.uploaded, true);
      assert.equal(hashes, 0, 'a first upload (no candidate) hashes nothing');
      const again = await submitter.upload(file);
      assert.equal(again.uploaded, false, 'untouched (same ctime): not uploaded twice');
      assert.equal(again.jarId, first.jarId);
      assert.equal(hashes, 0, 'an untouched file is recognised without reading it');
      // Same contents, but the ctime moved (chmod): a candidate without a hash, so uploaded once more and hashed as it is sent.
      fs.chmodSync(file, 0o640);
      const touched = await submitter.upload(file);
      assert.equal(touched.uploaded, true);
      assert.equal(hashes, 1, 'hashed once, in the send path');
      // The ctime moves again, the contents do not: the remembered hash now dedupes.
      fs.chmodSync(file, 0o600);
      const sameBytes = await submitter.upload(file);
      assert.equal(sameBytes.uploaded, false, 'same contents under a moved ctime: the hash decides');
      assert.equal(sameBytes.jarId, touched.jarId);
    } finally {
      cryptoModule.createHash = original;
    }
  });

  test('hashFile: the SHA-256 of the file; a missing file is an error that names it', async () => {
    const data = crypto.randomBytes(1024 * 1024 + 7);
    const file = path.join(tmp.dir, 'hash-me.bin');
    fs.writeFileSync(file, data);
    assert.equal(await hashFile(file), sha256(data));
    const missing = path.join(tmp.dir, 'no-such.jar');
    await assert.rejects(hashFile(missing), (err: Error) => err.message.includes(missing));
  });
});
