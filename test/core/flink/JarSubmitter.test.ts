import { after, afterEach, beforeEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FlinkRestClient } from '../../../src/core/flink/FlinkRestClient';
import { FlinkRestError } from '../../../src/core/flink/FlinkRestError';
import { JarSubmitError, JarSubmitter, MemoryJarUploadStore, fingerprintJar } from '../../../src/core/flink/JarSubmitter';
import { JarInspectionError } from '../../../src/core/flink/jarInspector';
import { ProgramArgsError } from '../../../src/core/flink/programArgs';
import { FakeJobManager, sendJson } from './fakeJobManager';
import { tempDir, writeTestJar } from './testJars';

/** A fake JobManager that stores uploads and runs: enough state for dedupe and lost-jar tests. */
function fakeFlink(jm: FakeJobManager, opts: { slotsAvailable?: number; taskManagers?: number; maxContentLength?: string } = {}) {
  const state = { jars: new Set<string>(), uploads: 0, runs: [] as Record<string, unknown>[], uploadN: 0 };
  jm.json('GET', '/overview', 200, { taskmanagers: opts.taskManagers ?? 2, 'slots-total': 4, 'slots-available': opts.slotsAvailable ?? 4, 'jobs-running': 0, 'jobs-finished': 0, 'jobs-cancelled': 0, 'jobs-failed': 0 });
  jm.json('GET', '/config', 200, { 'flink-version': '1.19.1', 'refresh-interval': 3000 });
  jm.json('GET', '/jobmanager/config', 200, [{ key: 'parallelism.default', value: '3' }, ...(opts.maxContentLength ? [{ key: 'rest.server.max-content-length', value: opts.maxContentLength }] : [])]);
  jm.on('GET', '/jars', (_req, res) => sendJson(res, 200, { address: jm.url, files: [...state.jars].map((id) => ({ id, name: id, uploaded: 1, entry: [] })) }));
  jm.on('POST', '/jars/upload', (req, res) => {
    state.uploads++;
    const name = /filename="([^"]+)"/.exec(req.body.subarray(0, 500).toString('latin1'))![1];
    const id = `${++state.uploadN}-uuid_${name}`;
    state.jars.add(id);
    sendJson(res, 200, { filename: `/tmp/flink-web-upload/${id}`, status: 'success' });
  });
  jm.on('POST', /^\/jars\/[^/]+\/run$/, (req, res) => {
    const id = decodeURIComponent(req.url.split('/')[2]);
    if (!state.jars.has(id)) return sendJson(res, 400, { errors: [`org.apache.flink.runtime.rest.handler.RestHandlerException: Jar file /tmp/flink-web-upload/${id} does not exist\n\tat x`] });
    state.runs.push(JSON.parse(req.body.toString()) as Record<string, unknown>);
    sendJson(res, 200, { jobid: String(state.runs.length).padStart(32, '0') });
  });
  return state;
}

describe('JarSubmitter', () => {
  let jm: FakeJobManager;
  let client: FlinkRestClient;
  const tmp = tempDir();
  let jar: string;
  beforeEach(async () => {
    jm = await FakeJobManager.start();
    client = new FlinkRestClient(jm.url, { retries: 0 });
    jar = await writeTestJar(path.join(tmp.dir, `job-${Date.now()}.jar`), { manifest: 'Main-Class: org.example.Job\r\n\r\n', entries: ['org/example/Job.class', 'org/example/Other.class'] });
  });
  afterEach(async () => {
    await client.close();
    await jm.stop();
  });
  after(() => tmp.cleanup());

  test('runs with programArgsList split from one string, the JobManager\'s default parallelism, only the fields set', async () => {
    const state = fakeFlink(jm);
    const submitter = new JarSubmitter(client, { store: new MemoryJarUploadStore() });
    const result = await submitter.run(jar, { programArgs: `--name "John  Smith" --quote 'it"s' ''` });
    assert.equal(result.entryClass, 'org.example.Job');
    assert.equal(result.parallelism, 3);
    assert.deepEqual(state.runs[0], { parallelism: 3, programArgsList: ['--name', 'John  Smith', '--quote', 'it"s', ''] });
  });

  test('the same file is uploaded once per JobManager; a changed file is uploaded again', async () => {
    const state = fakeFlink(jm);
    const store = new MemoryJarUploadStore();
    const submitter = new JarSubmitter(client, { store, defaultParallelism: 2 });
    const a = await submitter.run(jar, { entryClass: 'org.example.Other', savepointPath: '/sp/1', allowNonRestoredState: true });
    const b = await submitter.run(jar, {});
    assert.equal(state.uploads, 1);
    assert.equal(a.jarId, b.jarId);
    assert.deepEqual(state.runs[0], { parallelism: 2, entryClass: 'org.example.Other', savepointPath: '/sp/1', allowNonRestoredState: true });
    // Another submitter sharing the store dedupes too; concurrent uploads of one file are one upload.
    const other = new JarSubmitter(client, { store });
    const [u1, u2] = await Promise.all([other.upload(jar), other.upload(jar)]);
    assert.equal(u1.uploaded, false);
    assert.equal(u2.jarId, a.jarId);
    assert.equal(state.uploads, 1);
    // The same path rebuilt with other contents: a new upload.
    await writeTestJar(jar, { manifest: 'Main-Class: org.example.Job\r\n\r\n', entries: ['org/example/Job.class', 'org/example/Changed.class'] });
    const c = await submitter.run(jar, {});
    assert.equal(state.uploads, 2);
    assert.notEqual(c.jarId, a.jarId);
  });

  test('a jar id the JobManager no longer lists is uploaded again before running', async () => {
    const state = fakeFlink(jm);
    const submitter = new JarSubmitter(client, { store: new MemoryJarUploadStore() });
    await submitter.run(jar, {});
    state.jars.clear(); // the JobManager restarted
    const second = await submitter.run(jar, {});
    assert.equal(state.uploads, 2);
    assert.equal(second.reuploaded, false);
  });

  test('a run that fails with "does not exist" uploads again and retries once, without asking', async () => {
    const state = fakeFlink(jm);
    const submitter = new JarSubmitter(client, { store: new MemoryJarUploadStore() });
    const first = await submitter.run(jar, {});
    // The listing still shows the jar, but the file is gone (the JobManager's temp folder was cleaned).
    const lostId = first.jarId;
    jm.on('GET', '/jars', (_req, res) => sendJson(res, 200, { files: [{ id: lostId, name: 'x', uploaded: 1, entry: [] }, ...[...state.jars].map((id) => ({ id, name: id, uploaded: 1, entry: [] }))] }));
    state.jars.delete(lostId);
    const again = await submitter.run(jar, {});
    assert.equal(again.reuploaded, true);
    assert.notEqual(again.jarId, lostId);
    assert.equal(state.uploads, 2);
    assert.equal(state.runs.length, 2);
  });

  test('too few free slots: refused before uploading, naming needed and free slots and TaskManagers', async () => {
    const state = fakeFlink(jm, { slotsAvailable: 1, taskManagers: 1 });
    const submitter = new JarSubmitter(client, { store: new MemoryJarUploadStore() });
    await assert.rejects(submitter.run(jar, { parallelism: 4 }), (err: unknown) => {
      assert.ok(err instanceof JarSubmitError);
      assert.equal(err.kind, 'slots');
      assert.match(err.message, /needs 4 slots, 1 free on 1 TaskManager \(4 in total\)/);
      return true;
    });
    assert.equal(state.uploads, 0);
  });

  test('too few free slots on a JobManager that is not ours (a YARN or Kubernetes session shows 0 slots until a job asks): submitted anyway with a warning', async () => {
    const state = fakeFlink(jm, { slotsAvailable: 0, taskManagers: 0 });
    const warnings: string[] = [];
    const log = { debug: () => undefined, info: () => undefined, warn: (m: string) => void warnings.push(m), error: () => undefined };
    const submitter = new JarSubmitter(client, { store: new MemoryJarUploadStore(), log });
    const result = await submitter.run(jar, { parallelism: 4, slotShortage: 'warn' });
    assert.equal(state.runs.length, 1);
    assert.equal(state.runs[0].parallelism, 4);
    assert.match(result.slotWarning ?? '', /needs 4 slots, 0 free on 0 TaskManagers.*Submitted anyway: this JobManager is not a session of ours.*slot\.request\.timeout/);
    assert.deepEqual(warnings, [result.slotWarning]);
    // Enough slots: no warning.
    const fine = fakeFlink(jm, { slotsAvailable: 4 });
    assert.equal((await new JarSubmitter(client, { store: new MemoryJarUploadStore() }).run(jar, { parallelism: 4, slotShortage: 'warn' })).slotWarning, undefined);
    assert.equal(fine.runs.length, 1);
  });

  test('a jar over rest.server.max-content-length is sent (real Flink 1.13 to 2.3 stream uploads past it); a JobManager\'s own 413 names the option and nothing runs', async () => {
    const state = fakeFlink(jm, { maxContentLength: '1kb' });
    const big = await writeTestJar(path.join(tmp.dir, 'big.jar'), { manifest: 'Main-Class: a.B\r\n\r\n', entries: ['a/B.class', ...Array.from({ length: 40 }, (_, i) => `pad/P${i}.class`)] });
    assert.ok(fs.statSync(big).size > 1024);
    const store = new MemoryJarUploadStore();
    const result = await new JarSubmitter(client, { store }).run(big, {});
    assert.equal(state.uploads, 1);
    assert.equal(state.runs.length, 1);
    assert.match(result.jarId, /big\.jar$/);
    // A JobManager (or a proxy before it) that does refuse the size.
    jm.json('POST', '/jars/upload', 413, { errors: ['Request entity too large.'] });
    const refusing = new MemoryJarUploadStore();
    const other = await writeTestJar(path.join(tmp.dir, 'big2.jar'), { manifest: 'Main-Class: a.B\r\n\r\n', entries: ['a/B.class', 'pad/Q.class'] });
    await assert.rejects(new JarSubmitter(client, { store: refusing }).run(other, {}), (err: unknown) => {
      assert.ok(err instanceof FlinkRestError);
      assert.equal(err.status, 413);
      assert.match(err.message, /refused the jar .*big2\.jar .* as too large \(HTTP 413\)\. Raise rest\.server\.max-content-length/);
      return true;
    });
    assert.equal(state.runs.length, 1, 'nothing ran');
  });

  test('bad input is refused locally: not a jar, no main class, unknown entry class, unbalanced quotes, bad parallelism', async () => {
    const state = fakeFlink(jm);
    const submitter = new JarSubmitter(client, { store: new MemoryJarUploadStore() });
    const text = path.join(tmp.dir, 'readme.jar');
    fs.writeFileSync(text, 'not a jar');
    await assert.rejects(submitter.run(text, {}), (e: unknown) => e instanceof JarInspectionError && e.kind === 'notZip');
    const noMain = await writeTestJar(path.join(tmp.dir, 'nomain.jar'), { manifest: 'Manifest-Version: 1.0\r\n\r\n', entries: ['a/B.class'] });
    await assert.rejects(submitter.run(noMain, {}), (e: unknown) => e instanceof JarInspectionError && e.kind === 'noEntryClass');
    await assert.rejects(submitter.run(jar, { entryClass: 'org.example.Nope' }), (e: unknown) => e instanceof JarInspectionError && e.kind === 'unknownEntryClass');
    await assert.rejects(submitter.run(jar, { programArgs: '--x "open' }), ProgramArgsError);
    await assert.rejects(submitter.run(jar, { parallelism: 0 }), (e: unknown) => e instanceof JarSubmitError && e.kind === 'badOption');
    assert.equal(state.uploads, 0);
  });

  test('fingerprint: streamed SHA-256 of the file', async () => {
    const f = await fingerprintJar(jar);
    assert.equal(f.size, fs.statSync(jar).size);
    assert.match(f.sha256, /^[0-9a-f]{64}$/);
    assert.equal(f.path, path.resolve(jar));
  });
});
