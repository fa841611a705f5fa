// End to end against the Flink stand-in: a JobManager and a TaskManager as real processes, jars built on the fly.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { runJobCommand } from '../../../src/core/cli/jobCommands';
import { FlinkRestClient } from '../../../src/core/flink/FlinkRestClient';
import { FlinkRestError } from '../../../src/core/flink/FlinkRestError';
import { JarInspectionError } from '../../../src/core/flink/jarInspector';
import { JarSubmitter, MemoryJarUploadStore } from '../../../src/core/flink/JarSubmitter';
import { JobWatcher } from '../../../src/core/flink/JobWatcher';
import { ACCUMULATOR_CLASS, FAILING_CLASS, STREAMING_CLASS, WORDCOUNT_CLASS, buildJar } from '../../fixtures/jars';
import { repoRoot } from '../../repoRoot';
import { FlinkCluster } from './flinkCluster';
import { tempDir } from './testJars';
import { bufferIo } from '../../helpers/bufferIo';

const WATCH = { minIntervalMs: 50, maxIntervalMs: 200 };


const noSessions = async (name: string): Promise<string> => { throw new Error(`No session named "${name}".`); };

/** Our own WordCount: lower-case, split on non-word characters, as Flink's example tokenizer does. */
function ownWordCount(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const w of text.toLowerCase().split(/\W+/)) if (w) counts.set(w, (counts.get(w) ?? 0) + 1);
  return counts;
}

async function waitForState(client: FlinkRestClient, jobId: string, state: string): Promise<void> {
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline) {
    if ((await client.job(jobId)).state === state) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`job ${jobId} never reached ${state}`);
}

describe('submitting to the Flink stand-in', { timeout: 120000 }, () => {
  const tmp = tempDir('flink-e2e-');
  let cluster: FlinkCluster;
  let client: FlinkRestClient;
  let jar: string;
  let streamingJar: string;

  before(async () => {
    cluster = await FlinkCluster.start({ taskManagers: 1, slotsPerTaskManager: 2 });
    client = new FlinkRestClient(cluster.restUrl, { timeoutMs: 5000 });
    jar = await buildJar(path.join(tmp.dir, 'flink examples.jar'), { mainClass: WORDCOUNT_CLASS, classes: [FAILING_CLASS, ACCUMULATOR_CLASS] });
    streamingJar = await buildJar(path.join(tmp.dir, 'streaming.jar'), { mainClass: STREAMING_CLASS });
  });
  after(async () => {
    await client?.close();
    await cluster?.stop();
    tmp.cleanup();
  });

  test('WordCount on the Apache License writes the counts we count ourselves', async () => {
    const license = path.join(repoRoot(), 'LICENSE');
    const output = path.join(tmp.dir, 'word counts', 'result.txt');
    const submitter = new JarSubmitter(client, { store: new MemoryJarUploadStore() });
    const progress: number[] = [];
    const submitted = await submitter.run(jar, { programArgs: `--input '${license}' --output "${output}"`, parallelism: 1, onProgress: (p) => progress.push(p.sentBytes) });
    assert.equal(submitted.entryClass, WORDCOUNT_CLASS);
    assert.equal(progress[progress.length - 1], fs.statSync(jar).size);
    const result = await new JobWatcher(client, submitted.jobId, WATCH).result();
    assert.equal(result.state, 'FINISHED');
    assert.ok(result.durationMs >= 0);
    assert.equal(result.vertices.length, 3);

    const expected = ownWordCount(fs.readFileSync(license, 'utf8'));
    const written = new Map<string, number>();
    for (const line of fs.readFileSync(output, 'utf8').trim().split('\n')) {
      const m = /^\((.*),(\d+)\)$/.exec(line);
      assert.ok(m, `unexpected line ${line}`);
      written.set(m[1], Number(m[2]));
    }
    assert.ok(expected.get('license')! > 10);
    for (const word of ['license', 'the', 'work', 'contributor', 'apache', 'derivative']) assert.equal(written.get(word), expected.get(word), word);
    assert.deepEqual(written, expected);
  });

  test('the same jar is not uploaded twice; the plan is shown', async () => {
    const store = new MemoryJarUploadStore();
    const submitter = new JarSubmitter(client, { store });
    const first = await submitter.upload(jar);
    const second = await submitter.upload(jar);
    assert.equal(second.uploaded, false);
    assert.equal(second.jarId, first.jarId);
    const listed = (await client.jars()).files.filter((f) => f.id === first.jarId);
    assert.equal(listed.length, 1);
    assert.equal(listed[0].entry[0]?.name, WORDCOUNT_CLASS);
    const plan = await submitter.plan(jar, { parallelism: 2 });
    assert.equal(plan.nodes.length, 3);
  });

  test('CLI run waits and prints state, duration and accumulators; --json gives the result document', async () => {
    const io = bufferIo();
    const code = await runJobCommand(['run', '-m', cluster.restUrl, '-c', ACCUMULATOR_CLASS, '-p', '1', jar, '--records', '100'], io, noSessions, { watch: WATCH });
    assert.equal(code, 0, io.stderr);
    assert.match(io.stdout, /\(Accumulator Example\) FINISHED after /);
    assert.match(io.stdout, /num-records \(IntCounter\): 100\n/);
    assert.match(io.stdout, /sum \(LongCounter\): 5050\n/);

    const json = bufferIo();
    assert.equal(await runJobCommand(['run', '--jobmanager', cluster.restUrl, '--class', ACCUMULATOR_CLASS, '--json', jar, '--records', '10'], json, noSessions, { watch: WATCH }), 0, json.stderr);
    const doc = JSON.parse(json.stdout) as { state: string; accumulators: { name: string; value: string }[] };
    assert.equal(doc.state, 'FINISHED');
    assert.equal(doc.accumulators.find((a) => a.name === 'sum')?.value, '55');
  });

  test('a failing job shows its exception; quoted arguments with spaces arrive intact', async () => {
    const message = `it's a "quoted"  message\twith spaces`;
    const io = bufferIo();
    const code = await runJobCommand(['run', '-m', cluster.restUrl, '-c', FAILING_CLASS, jar, '--message', message], io, noSessions, { watch: WATCH });
    assert.equal(code, 1);
    assert.match(io.stdout, /FAILED after/);
    assert.ok(io.stdout.includes(`Root exception: java.lang.RuntimeException: ${message}`), io.stdout);

    // The same through one string split with shell quoting.
    const submitter = new JarSubmitter(client);
    const submitted = await submitter.run(jar, { entryClass: FAILING_CLASS, programArgs: `--message 'it'"'"'s a "quoted"  message	with spaces'` });
    const result = await new JobWatcher(client, submitted.jobId, WATCH).result();
    assert.equal(result.state, 'FAILED');
    assert.equal(result.rootException?.message, message);
    assert.equal(result.rootException?.exceptionName, 'java.lang.RuntimeException');
    assert.ok(result.exceptionHistory.length >= 1);
  });

  test('bad entry class and a jar without main class: refused locally, and Flink\'s own refusal is shown plainly', async () => {
    const submitter = new JarSubmitter(client);
    await assert.rejects(submitter.run(jar, { entryClass: 'org.example.DoesNotExist' }), (e: unknown) => e instanceof JarInspectionError && /org\.example\.DoesNotExist is not in the jar/.test(e.message));
    const noMain = await buildJar(path.join(tmp.dir, 'nomain.jar'), { classes: [WORDCOUNT_CLASS] });
    await assert.rejects(submitter.run(noMain, {}), (e: unknown) => e instanceof JarInspectionError && /neither Main-Class nor program-class/.test(e.message));

    // Past the local checks, Flink says the same; the client shows its first line and cause, not a stack trace.
    const { jarId } = await submitter.upload(noMain);
    await assert.rejects(client.runJar(jarId, { parallelism: 1 }), (e: unknown) => {
      assert.ok(e instanceof FlinkRestError);
      assert.equal(e.status, 500);
      assert.match(e.message, /Neither a 'Main-Class', nor a 'program-class' entry was found in the jar file\./);
      assert.ok(!e.message.includes('\tat '));
      return true;
    });
    await assert.rejects(client.runJar(jarId, { entryClass: 'org.example.DoesNotExist', parallelism: 1 }), /entry point class 'org\.example\.DoesNotExist' was not found in the jar file/);

    const io = bufferIo();
    assert.equal(await runJobCommand(['run', '-m', cluster.restUrl, '-c', 'org.example.DoesNotExist', jar], io, noSessions), 2);
    assert.match(io.stderr, /is not in the jar/);
  });

  test('a file that is not a jar is refused with a clear error', async () => {
    const notJar = path.join(tmp.dir, 'notes.jar');
    fs.writeFileSync(notJar, 'just some text\n');
    const io = bufferIo();
    assert.equal(await runJobCommand(['run', '-m', cluster.restUrl, notJar], io, noSessions), 2);
    assert.match(io.stderr, /is not a jar: it is not a zip archive/);
    assert.equal((await client.jars()).files.filter((f) => f.name === 'notes.jar').length, 0);
  });

  test('too few free slots on a session of ours: refused plainly instead of hanging', async () => {
    const io = bufferIo();
    const session = async (): Promise<string> => cluster.restUrl;
    assert.equal(await runJobCommand(['run', '--session', 'ours', '-p', '5', jar], io, session), 1);
    assert.match(io.stderr, /needs 5 slots, 2 free on 1 TaskManager \(2 in total\)/);
    assert.equal((await client.jobsOverview()).filter((j) => j.state === 'RUNNING' || j.state === 'CREATED').length, 0);
  });

  test('too few free slots on a JobManager given by -m (maybe one that starts TaskManagers on demand): submitted anyway, with a note saying why', async () => {
    const io = bufferIo();
    const before = (await client.jobsOverview()).length;
    assert.equal(await runJobCommand(['run', '-m', cluster.restUrl, '-d', '-p', '5', jar], io, noSessions), 0, io.stderr);
    assert.match(io.stderr, /Note: Not enough free slots: the job needs 5 slots, 2 free on 1 TaskManager \(2 in total\).*Submitted anyway: this JobManager is not a session of ours/);
    const jobId = /JobID ([0-9a-f]{32})/.exec(io.stdout)![1];
    assert.equal((await client.jobsOverview()).length, before + 1);
    await client.cancelJob(jobId);
    assert.equal((await new JobWatcher(client, jobId, WATCH).result()).state, 'CANCELED');
  });

  test('cancel, and stop with a savepoint that a new run starts from', async () => {
    const io = bufferIo();
    assert.equal(await runJobCommand(['run', '-m', cluster.restUrl, '-d', streamingJar], io, noSessions), 0, io.stderr);
    const jobId = /JobID ([0-9a-f]{32})/.exec(io.stdout)![1];
    await waitForState(client, jobId, 'RUNNING');
    const list = bufferIo();
    assert.equal(await runJobCommand(['list', '-m', cluster.restUrl, '--json'], list, noSessions), 0);
    assert.ok((JSON.parse(list.stdout) as { jobId: string; state: string }[]).some((j) => j.jobId === jobId && j.state === 'RUNNING'));
    const cancel = bufferIo();
    assert.equal(await runJobCommand(['cancel', '-m', cluster.restUrl, jobId], cancel, noSessions), 0, cancel.stderr);
    assert.equal((await new JobWatcher(client, jobId, WATCH).result()).state, 'CANCELED');

    const run2 = bufferIo();
    assert.equal(await runJobCommand(['run', '-m', cluster.restUrl, '-d', '--json', streamingJar], run2, noSessions), 0);
    const job2 = (JSON.parse(run2.stdout) as { jobId: string }).jobId;
    await waitForState(client, job2, 'RUNNING');
    const savepoints = path.join(tmp.dir, 'savepoints');
    const stop = bufferIo();
    assert.equal(await runJobCommand(['stop', '-m', cluster.restUrl, '--savepoint', savepoints, '--drain', '--json', job2], stop, noSessions), 0, stop.stderr);
    const location = (JSON.parse(stop.stdout) as { savepoint: string }).savepoint;
    assert.ok(fs.existsSync(location.replace(/^file:/, '')), `savepoint ${location} exists`);
    assert.equal((await new JobWatcher(client, job2, WATCH).result()).state, 'FINISHED');

    const resumed = await new JarSubmitter(client).run(streamingJar, { savepointPath: location, allowNonRestoredState: true });
    await waitForState(client, resumed.jobId, 'RUNNING');
    await client.cancelJob(resumed.jobId);
    assert.equal((await new JobWatcher(client, resumed.jobId, WATCH).result()).state, 'CANCELED');
  });

  test('unknown job ids: exit code 4 for cancel, 2 for a malformed id', async () => {
    const io = bufferIo();
    assert.equal(await runJobCommand(['cancel', '-m', cluster.restUrl, '0'.repeat(32)], io, noSessions), 4);
    assert.equal(await runJobCommand(['cancel', '-m', cluster.restUrl, 'nope'], bufferIo(), noSessions), 2);
    assert.equal(await runJobCommand(['list', '--session', 'missing'], bufferIo(), noSessions), 4);
    assert.equal(await runJobCommand(['list'], bufferIo(), noSessions), 2);
  });

  test('JobManager and TaskManager views: config, logs, TaskManager details, metrics and thread dump', async () => {
    const config = await client.jobManagerConfigMap();
    assert.equal(config.get('rest.port'), String(cluster.restPort));
    assert.match(await client.jobManagerLog(), /StandaloneSessionClusterEntrypoint/);
    const tms = await client.taskManagers();
    assert.equal(tms[0].id, 'tm-0');
    const details = await client.taskManager('tm-0');
    assert.equal(details.slotsNumber, 2);
    const names = await client.taskManagerMetrics('tm-0');
    assert.ok(names.length > 0);
    const values = await client.taskManagerMetrics('tm-0', [names[0].id]);
    assert.equal(values[0].id, names[0].id);
    assert.ok((await client.taskManagerThreadDump('tm-0')).threadInfos.length > 0);
    assert.equal(typeof (await client.taskManagerLog('tm-0')), 'string');
    // Recorded in every version: an unknown TaskManager is the ResourceManager's 500 UnknownTaskExecutorException.
    await assert.rejects(client.taskManager('no such tm/x'), (e: unknown) => e instanceof FlinkRestError && e.status === 500 && /No TaskExecutor registered under no such tm\/x\./.test(e.message));
  });

  test('JobManager restarted and the jar lost: uploaded again and the job runs', async () => {
    const store = new MemoryJarUploadStore();
    const submitter = new JarSubmitter(client, { store });
    const before = await submitter.run(jar, { entryClass: ACCUMULATOR_CLASS });
    assert.equal((await new JobWatcher(client, before.jobId, WATCH).result()).state, 'FINISHED');
    await cluster.restartJobManager();
    assert.equal((await client.jars()).files.length, 0, 'the new JobManager has no jars');
    const afterRestart = await submitter.run(jar, { entryClass: ACCUMULATOR_CLASS });
    assert.notEqual(afterRestart.jarId, before.jarId);
    assert.equal((await new JobWatcher(client, afterRestart.jobId, WATCH).result()).state, 'FINISHED');
  });
});

describe('upload limit of the stand-in', { timeout: 60000 }, () => {
  const tmp = tempDir('flink-e2e-limit-');
  let cluster: FlinkCluster;
  let client: FlinkRestClient;
  before(async () => {
    cluster = await FlinkCluster.start({ taskManagers: 1, jobManagerConf: { 'rest.server.max-content-length': '20000' } });
    client = new FlinkRestClient(cluster.restUrl);
  });
  after(async () => {
    await client?.close();
    await cluster?.stop();
    tmp.cleanup();
  });

  test('a jar over rest.server.max-content-length is uploaded and runs, as real Flink 1.13 to 2.3 stream uploads past the limit', async () => {
    const big = await buildJar(path.join(tmp.dir, 'big.jar'), { mainClass: WORDCOUNT_CLASS, extraBytes: 50000 });
    assert.ok(fs.statSync(big).size > 20000);
    const result = await new JarSubmitter(client).run(big, {});
    assert.match(result.jarId, /_big\.jar$/);
    assert.ok((await client.jars()).files.some((f) => f.id === result.jarId));
    assert.equal((await new JobWatcher(client, result.jobId, WATCH).result()).state, 'FINISHED');
  });
});

describe('JobManager addresses that are not Flink', () => {
  test('an HTML page and a wrong port: exit code 3 and a message naming the address and the fix', async () => {
    const server = http.createServer((_req, res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<!DOCTYPE html><html><body>Jenkins</body></html>'); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const io = bufferIo();
      assert.equal(await runJobCommand(['list', '-m', `127.0.0.1:${port}`], io, noSessions), 3);
      assert.match(io.stderr, new RegExp(`http://127\\.0\\.0\\.1:${port} answered with an HTML page: it does not look like a Flink JobManager's REST API`));
      assert.match(io.stderr, /rest\.port, 8081 by default/);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
    const io = bufferIo();
    assert.equal(await runJobCommand(['list', '-m', `127.0.0.1:${port}`], io, noSessions), 3);
    assert.match(io.stderr, /Nothing answers at http:\/\/127\.0\.0\.1:\d+ \(connection refused\)/);
  });
});

for (const version of ['1.13.6', '2.0.0']) {
  describe(`a Flink ${version} JobManager`, { timeout: 60000 }, () => {
    const tmp = tempDir('flink-e2e-version-');
    let cluster: FlinkCluster;
    let client: FlinkRestClient;
    before(async () => {
      cluster = await FlinkCluster.start({ taskManagers: 1, jobManagerConf: { 'standin.flink-version': version } });
      client = new FlinkRestClient(cluster.restUrl);
    });
    after(async () => {
      await client?.close();
      await cluster?.stop();
      tmp.cleanup();
    });

    test('plan, run with arguments, accumulators and the root exception work', async () => {
      assert.equal(await client.probe(), version);
      const jar = await buildJar(path.join(tmp.dir, 'jobs.jar'), { mainClass: ACCUMULATOR_CLASS, classes: [FAILING_CLASS] });
      const submitter = new JarSubmitter(client, { store: new MemoryJarUploadStore() });
      assert.equal((await submitter.plan(jar, { programArgs: '--records 7' })).nodes.length, 3);
      const ok = await submitter.run(jar, { programArgs: '--records 7' });
      const okResult = await new JobWatcher(client, ok.jobId, WATCH).result();
      assert.equal(okResult.state, 'FINISHED');
      assert.equal(okResult.accumulators.find((a) => a.name === 'num-records')?.value, '7');
      const failing = await submitter.run(jar, { entryClass: FAILING_CLASS, programArgs: '--message "boom at version"' });
      const failed = await new JobWatcher(client, failing.jobId, WATCH).result();
      assert.equal(failed.state, 'FAILED');
      assert.equal(failed.rootException?.message, 'boom at version');
    });
  });
}
