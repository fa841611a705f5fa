import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { SpecValidator } from './specSchemas';
import { InProcessCluster, firstLine, getJson, jarIdOf, request, startInProcessCluster, uploadJar, validateAgainstSpec, waitFor } from './standinHarness';
import { ACCUMULATOR_CLASS, FAILING_CLASS, NO_JOB_CLASS, STREAMING_CLASS, THROWING_MAIN_CLASS, WORDCOUNT_CLASS, buildJar, writeLicenseText } from '../../fixtures/jars';
import { countWords } from './programs';

type Obj = Record<string, unknown>;
const spec = new SpecValidator();

function assertErrors(body: unknown, includes: string): string[] {
  const errors = (body as { errors?: unknown }).errors;
  assert.ok(Array.isArray(errors) && errors.every((e) => typeof e === 'string'), `expected {"errors": [...]}, got ${JSON.stringify(body)}`);
  assert.ok((errors as string[]).some((e) => e.includes(includes)), `expected an error containing "${includes}", got ${JSON.stringify(errors)}`);
  return errors as string[];
}

describe('stand-in JobManager REST API (in process, Flink 1.19.1)', () => {
  let c: InProcessCluster;
  let dir: string;
  let wordCountJar: string;
  let streamingJar: string;
  let jarIds: Record<string, string> = {};

  const run = async (jarId: string, body: Obj): Promise<string> => {
    const r = await request<{ jobid: string }>('POST', `${c.url}/jars/${jarId}/run`, body);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    spec.response('post', '/jars/{jarid}/run', r.body);
    return r.body.jobid;
  };
  const jobState = async (jid: string): Promise<string> => (await getJson<{ state: string }>(`${c.url}/jobs/${jid}`)).body.state;
  const waitState = (jid: string, state: string, ms = 5000): Promise<void> => waitFor(async () => (await jobState(jid)) === state, ms, `job ${jid} to reach ${state}`);

  before(async () => {
    c = await startInProcessCluster({ taskManagers: 1, tmConf: { 'taskmanager.numberOfTaskSlots': '2' }, conf: { 'standin.job-duration-ms': '100', 'standin.failing-job-delay-ms': '100', 'standin.savepoint-delay-ms': '50', 'slot.request.timeout': '400', 'heartbeat.timeout': '1000' } });
    dir = c.dir;
    wordCountJar = await buildJar(path.join(dir, 'wordcount.jar'), { mainClass: WORDCOUNT_CLASS });
    streamingJar = await buildJar(path.join(dir, 'streaming.jar'), { mainClass: STREAMING_CLASS, classes: [FAILING_CLASS, ACCUMULATOR_CLASS, THROWING_MAIN_CLASS, NO_JOB_CLASS] });
    for (const [k, f] of Object.entries({ wc: wordCountJar, st: streamingJar })) {
      const up = await uploadJar(c.url, f);
      assert.equal(up.status, 200, JSON.stringify(up.body));
      spec.response('post', '/jars/upload', up.body);
      jarIds[k] = jarIdOf(up.body.filename);
    }
  });
  after(async () => {
    await c.stop();
    jarIds = {};
  });

  test('cluster: /config, /overview, /jobmanager/config, the /v1 prefix', async () => {
    const config = await getJson<Obj>(`${c.url}/config`);
    spec.response('get', '/config', config.body);
    assert.equal(config.body['flink-version'], '1.19.1');
    assert.deepEqual(config.body.features, { 'web-submit': true, 'web-cancel': true, 'web-rescale': false, 'web-history': false });
    const overview = await getJson<Obj>(`${c.url}/v1/overview`);
    spec.response('get', '/overview', overview.body);
    assert.equal(overview.body.taskmanagers, 1);
    assert.equal(overview.body['slots-total'], 2);
    // From 1.19 zero *-blocked counts are left out (recorded: 1.20.5 and 2.3.0 send none on an unblocked cluster).
    assert.ok(!('slots-free-and-blocked' in overview.body) && !('taskmanagers-blocked' in overview.body), JSON.stringify(overview.body));
    const jmConfig = await getJson<{ key: string; value: string }[]>(`${c.url}/jobmanager/config`);
    spec.response('get', '/jobmanager/config', jmConfig.body);
    assert.ok(jmConfig.body.some((e) => e.key === 'heartbeat.timeout' && e.value === '1000'));
    const unknown = await getJson(`${c.url}/no/such/thing`);
    assert.equal(unknown.status, 404);
    assertErrors(unknown.body, 'Unable to load requested file /no/such/thing.');
  });

  test('JobManager logs: list, log, stdout, a named file, a missing file', async () => {
    const logs = await getJson<{ logs: { name: string; size: number; mtime: number }[] }>(`${c.url}/jobmanager/logs`);
    spec.response('get', '/jobmanager/logs', logs.body);
    const logFile = logs.body.logs.find((l) => l.name.endsWith('.log'));
    assert.ok(logFile && logFile.name.includes('standalonesession') && typeof logFile.mtime === 'number');
    const text = await (await fetch(`${c.url}/jobmanager/log`)).text();
    assert.match(text, /Rest endpoint listening at 127\.0\.0\.1:\d+/);
    const named = await fetch(`${c.url}/jobmanager/logs/${encodeURIComponent(logFile.name)}`);
    assert.equal(named.status, 200);
    assert.match(await named.text(), /Starting StandaloneSessionClusterEntrypoint/);
    assert.equal((await fetch(`${c.url}/jobmanager/stdout`)).status, 200);
    const missing = await getJson(`${c.url}/jobmanager/logs/nothing-here.log`);
    assert.equal(missing.status, 404);
    assertErrors(missing.body, 'This file does not exist in JobManager log dir.');
  });

  test('TaskManagers: list, details with changing heap metrics, metrics as a bare array, thread dump, logs', async () => {
    const list = await getJson<{ taskmanagers: Obj[] }>(`${c.url}/taskmanagers`);
    spec.response('get', '/taskmanagers', list.body);
    const tm = list.body.taskmanagers[0];
    assert.equal(tm.id, 'tm-0');
    assert.equal(tm.slotsNumber, 2);
    assert.ok(!('blocked' in tm), 'an unblocked TaskManager has no "blocked" field (recorded from 1.19 on)');
    assert.equal((tm.memoryConfiguration as Obj).totalProcessMemory, 1728 * 1024 * 1024);
    const details = async (): Promise<Obj> => {
      const d = await getJson<Obj>(`${c.url}/taskmanagers/tm-0`);
      spec.response('get', '/taskmanagers/{taskmanagerid}', d.body);
      return d.body;
    };
    const first = await details();
    const heap = new Set<number>();
    const beats = new Set<number>();
    await waitFor(async () => {
      const d = await details();
      heap.add((d.metrics as Obj).heapUsed as number);
      beats.add(d.timeSinceLastHeartbeat as number);
      Array.from({ length: 2000 }, (_, i) => ({ i })); // garbage so the heap moves
      return heap.size >= 2 && beats.size >= 2;
    }, 5000, 'heap metrics to change between heartbeats');
    assert.ok(((first.metrics as Obj).heapMax as number) > 0);
    assert.ok(Array.isArray(first.allocatedSlots));
    const names = await getJson<{ id: string; value?: string }[]>(`${c.url}/taskmanagers/tm-0/metrics`);
    assert.ok(Array.isArray(names.body) && names.body.some((m) => m.id === 'Status.JVM.Memory.Heap.Used'));
    const values = await getJson<{ id: string; value: string }[]>(`${c.url}/taskmanagers/tm-0/metrics?get=Status.JVM.Memory.Heap.Used,Status.JVM.Memory.Heap.Max`);
    assert.equal(values.body.length, 2);
    for (const m of values.body) spec.schema('Metric', m);
    assert.ok(Number(values.body[0].value) > 0);
    const dump = await getJson(`${c.url}/taskmanagers/tm-0/thread-dump`);
    spec.response('get', '/taskmanagers/{taskmanagerid}/thread-dump', dump.body);
    const logs = await getJson<{ logs: { name: string }[] }>(`${c.url}/taskmanagers/tm-0/logs`);
    spec.response('get', '/taskmanagers/{taskmanagerid}/logs', logs.body);
    const logName = logs.body.logs.find((l) => l.name.endsWith('.log'))!.name;
    assert.match(await (await fetch(`${c.url}/taskmanagers/tm-0/log`)).text(), /Successful registration at resource manager/);
    assert.match(await (await fetch(`${c.url}/taskmanagers/tm-0/logs/${encodeURIComponent(logName)}`)).text(), /Starting TaskManager/);
    assert.equal((await fetch(`${c.url}/taskmanagers/tm-0/stdout`)).status, 200);
    // Recorded in every version: an unknown TaskManager is a 500 from the ResourceManager's UnknownTaskExecutorException.
    const missing = await getJson(`${c.url}/taskmanagers/no-such-tm`);
    assert.equal(missing.status, 500);
    assertErrors(missing.body, 'No TaskExecutor registered under no-such-tm.');
    assert.equal((await getJson(`${c.url}/taskmanagers/no-such-tm/metrics`)).status, 500);
  });

  test('a TaskManager stopped gracefully (SIGTERM) leaves /taskmanagers at once, as Flink\'s TaskExecutor disconnects on shutdown', async () => {
    const id = 'tm-graceful';
    const tm = await c.addTaskManager({ 'taskmanager.resource-id': id });
    try {
      await waitFor(async () => (await getJson(`${c.url}/taskmanagers/${id}`)).status === 200, 3000, 'the TaskManager to register');
      const stoppedAt = Date.now();
      await tm.stop();
      // Well inside heartbeat.timeout (1000 ms here): it is the disconnect, not the timeout, that removes it.
      const gone = await getJson(`${c.url}/taskmanagers/${id}`);
      assert.equal(gone.status, 500);
      assertErrors(gone.body, `No TaskExecutor registered under ${id}.`);
      assert.ok(Date.now() - stoppedAt < 900, 'the disconnect took as long as a heartbeat timeout');
    } finally {
      await tm.stop();
      tm.log.close();
      c.tms.splice(c.tms.indexOf(tm), 1);
    }
  });

  test('TaskManager ids are free text: a Mesos task id with special characters, URL-encoded', async () => {
    const id = 'flink-session.taskmanager-1 a/b:c';
    const tm = await c.addTaskManager({ 'taskmanager.resource-id': id });
    try {
      await waitFor(async () => (await getJson(`${c.url}/taskmanagers/${encodeURIComponent(id)}`)).status === 200, 3000, 'the TaskManager to register');
      const d = await getJson<Obj>(`${c.url}/taskmanagers/${encodeURIComponent(id)}`);
      assert.equal(d.body.id, id);
      spec.response('get', '/taskmanagers/{taskmanagerid}', d.body);
    } finally {
      await tm.stop({ crash: true });
      tm.log.close();
      c.tms.splice(c.tms.indexOf(tm), 1);
    }
    // without heartbeats it leaves /taskmanagers after heartbeat.timeout (1000 ms here)
    const stoppedAt = Date.now();
    await waitFor(async () => (await getJson(`${c.url}/taskmanagers/${encodeURIComponent(id)}`)).status === 500, 4000, 'the TaskManager to leave');
    assert.ok(Date.now() - stoppedAt >= 700, 'left before its heartbeat timeout');
    assert.equal((await getJson<Obj>(`${c.url}/overview`)).body.taskmanagers, 1);
  });

  test('jars: list with entry classes, delete, delete of an unknown jar', async () => {
    const list = await getJson<{ address: string; files: Obj[] }>(`${c.url}/jars`);
    spec.response('get', '/jars', list.body);
    assert.equal(list.body.address, c.url);
    const wc = list.body.files.find((f) => f.id === jarIds.wc)!;
    assert.equal(wc.name, 'wordcount.jar');
    // Recorded in 1.13.6, 1.20.5 and 2.3.0: an entry class without a description is null (the spec says a string).
    assert.deepEqual(wc.entry, [{ name: WORDCOUNT_CLASS, description: null }]);
    const up = await uploadJar(c.url, wordCountJar);
    const id = jarIdOf(up.body.filename);
    assert.match(up.body.filename, /flink-web-upload\/[0-9a-f-]{36}_wordcount\.jar$/);
    assert.equal((await request('DELETE', `${c.url}/jars/${id}`)).status, 200);
    const again = await request('DELETE', `${c.url}/jars/${id}`);
    assert.equal(again.status, 400);
    assertErrors(again.body, `File ${id} does not exist in `);
  });

  test('upload errors: unknown attribute, no file, two files, not a jar, not multipart, over rest.server.max-content-length', async () => {
    const unknown = await uploadJar(c.url, wordCountJar, 'jarfile', (f) => f.append('comment', 'hello'));
    assert.equal(unknown.status, 400);
    assert.deepEqual(unknown.body.errors, ['Received unknown attribute comment.']);
    const none = new FormData();
    none.append('request', '{}');
    const noFile = await fetch(`${c.url}/jars/upload`, { method: 'POST', body: none });
    assert.equal(noFile.status, 400);
    assert.equal(firstLine(assertErrors(await noFile.json(), 'Exactly 1 file must be sent, received 0.')[0]), 'org.apache.flink.runtime.rest.handler.RestHandlerException: Exactly 1 file must be sent, received 0.');
    const two = await uploadJar(c.url, wordCountJar, 'jarfile', (f) => f.append('jarfile2', new Blob([fs.readFileSync(streamingJar)]), 'other.jar'));
    assert.equal(two.status, 400);
    assertErrors(two.body, 'Exactly 1 file must be sent, received 2.');
    const txt = path.join(dir, 'notes.txt');
    fs.writeFileSync(txt, 'not a jar');
    const notJar = await uploadJar(c.url, txt);
    assert.equal(notJar.status, 400);
    assertErrors(notJar.body, 'Only Jar files are allowed.');
    const blobName = new FormData();
    blobName.append('jarfile', new Blob([fs.readFileSync(wordCountJar)]));
    const blob = await fetch(`${c.url}/jars/upload`, { method: 'POST', body: blobName });
    assert.equal(blob.status, 400, 'FormData without a file name sends "blob", which Flink refuses');
    const raw = await fetch(`${c.url}/jars/upload`, { method: 'POST', body: fs.readFileSync(wordCountJar), headers: { 'content-type': 'application/x-java-archive' } });
    assert.equal(raw.status, 400);
    assertErrors(await raw.json(), 'Exactly 1 file must be sent, received 0.');
    // nothing half-written stays in the upload folder
    assert.deepEqual(fs.readdirSync(c.jm.jarDir).filter((f) => !f.endsWith('.jar')), []);
  });

  test('an upload over rest.server.max-content-length is stored, declared and chunked (recorded: real 1.13.6, 1.20.5 and 2.3.0 stream uploads to disk past the limit)', async () => {
    const small = await startInProcessCluster({ taskManagers: 0, conf: { 'rest.server.max-content-length': '4096' } });
    try {
      const big = await buildJar(path.join(small.dir, 'big.jar'), { mainClass: WORDCOUNT_CLASS, extraBytes: 20000 });
      const r = await uploadJar(small.url, big);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(fs.statSync(path.join(small.jm.jarDir, jarIdOf(r.body.filename))).size, fs.statSync(big).size);
      const chunks = fs.readFileSync(big);
      const boundary = 'standinboundary';
      const body = new ReadableStream({
        start(ctl) {
          ctl.enqueue(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="jarfile"; filename="big.jar"\r\nContent-Type: application/x-java-archive\r\n\r\n`));
          ctl.enqueue(chunks);
          ctl.enqueue(Buffer.from(`\r\n--${boundary}--\r\n`));
          ctl.close();
        },
      });
      const chunked = await fetch(`${small.url}/jars/upload`, { method: 'POST', body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, duplex: 'half' } as RequestInit);
      assert.equal(chunked.status, 200);
      const stored = jarIdOf(((await chunked.json()) as { filename: string }).filename);
      assert.deepEqual(fs.readFileSync(path.join(small.jm.jarDir, stored)), chunks);
      assert.equal(fs.readdirSync(small.jm.jarDir).length, 2);
    } finally {
      await small.stop();
    }
  });

  test('Expect: 100-continue is answered with 100 Continue, or with 413 before the body when the declared length is over the limit', async () => {
    const small = await startInProcessCluster({ taskManagers: 0, conf: { 'rest.server.max-content-length': '4096' } });
    /** A raw multipart upload that sends its body only after "100 Continue". */
    const expectUpload = (jar: Buffer): Promise<{ status: number; continued: boolean; body: unknown; ms: number }> => new Promise((resolve, reject) => {
      const boundary = 'expectboundary';
      const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="jarfile"; filename="expect.jar"\r\nContent-Type: application/x-java-archive\r\n\r\n`);
      const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
      const started = Date.now();
      let continued = false;
      const req = http.request(`${small.url}/jars/upload`, {
        method: 'POST',
        headers: { expect: '100-continue', 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(head.length + jar.length + tail.length) },
      });
      req.on('continue', () => {
        continued = true;
        req.end(Buffer.concat([head, jar, tail]));
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, continued, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null'), ms: Date.now() - started }));
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    try {
      const tiny = fs.readFileSync(await buildJar(path.join(small.dir, 'expect.jar'), { mainClass: WORDCOUNT_CLASS }));
      const ok = await expectUpload(tiny);
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.ok(ok.continued, 'the JobManager answered 100 Continue');
      assert.ok(ok.ms < 900, `no wait for the client's own continue timeout (${ok.ms} ms)`);
      spec.response('post', '/jars/upload', ok.body);
      const refused = await expectUpload(Buffer.alloc(5000));
      assert.equal(refused.status, 413);
      assert.equal(refused.continued, false, 'the body was never asked for');
      assertErrors(refused.body, 'rest.server.max-content-length');
      assert.deepEqual(fs.readdirSync(small.jm.jarDir).filter((f) => !f.endsWith('_expect.jar')), []);
    } finally {
      await small.stop();
    }
  });

  test('run errors: confusing arguments, missing jar, no manifest entry, class not in jar, main failures, bad bodies', async () => {
    const confusing = await request('POST', `${c.url}/jars/${jarIds.wc}/run`, { programArgs: '--input x', programArgsList: ['--input', 'x'] });
    assert.equal(confusing.status, 400);
    assertErrors(confusing.body, 'Confusing request: programArgs and programArgsList are specified, please, use only programArgsList');
    // Recorded in every version: a run of an unknown jar is an unhandled 500 (a CompletionException around the RestHandlerException).
    const missing = await request('POST', `${c.url}/jars/0000_gone.jar/run`, {});
    assert.equal(missing.status, 500);
    assert.equal(assertErrors(missing.body, `Jar file ${path.join(c.jm.jarDir, '0000_gone.jar')} does not exist`)[0], 'Internal server error.');
    const noManifest = jarIdOf((await uploadJar(c.url, await buildJar(path.join(dir, 'nomain.jar'), { classes: ['a.B'] }))).body.filename);
    const r1 = await request('POST', `${c.url}/jars/${noManifest}/run`, {});
    assert.equal(r1.status, 500);
    const e1 = assertErrors(r1.body, "Neither a 'Main-Class', nor a 'program-class' entry was found in the jar file.");
    assert.equal(e1[0], 'Internal server error.');
    // Flink's unhandled-exception form: the second element wraps the whole server-side stack trace.
    assert.equal(e1.length, 2);
    assert.match(e1[1], /^<Exception on server side:\njava\.util\.concurrent\.CompletionException: org\.apache\.flink\.client\.program\.ProgramInvocationException: Neither a 'Main-Class', nor a 'program-class' entry was found in the jar file\.\n\tat [\s\S]+\nCaused by: org\.apache\.flink\.client\.program\.ProgramInvocationException: [\s\S]+\n\nEnd of exception on server side>$/);
    const r2 = await request('POST', `${c.url}/jars/${jarIds.wc}/run`, { entryClass: 'com.example.Missing' });
    assert.equal(r2.status, 500);
    assertErrors(r2.body, "The program's entry point class 'com.example.Missing' was not found in the jar file.");
    const r3 = await request('POST', `${c.url}/jars/${jarIds.st}/run`, { entryClass: THROWING_MAIN_CLASS });
    assert.equal(r3.status, 400);
    assert.equal(firstLine(assertErrors(r3.body, 'Could not execute application.')[0]), 'org.apache.flink.runtime.rest.handler.RestHandlerException: Could not execute application.');
    const r4 = await request('POST', `${c.url}/jars/${jarIds.st}/run`, { entryClass: NO_JOB_CLASS });
    assertErrors(r4.body, 'No jobs included in application.');
    const r5 = await request('POST', `${c.url}/jars/${jarIds.wc}/run`, '{not json');
    assert.equal(r5.status, 400);
    assertErrors(r5.body, 'Request did not match expected format JarRunRequestBody.');
    const r6 = await request('POST', `${c.url}/jars/${jarIds.wc}/run`, { parallelism: 'many' });
    assertErrors(r6.body, 'Request did not match expected format JarRunRequestBody.');
    const r7 = await request('POST', `${c.url}/jars/${jarIds.wc}/run`, { noSuchField: 1 });
    assert.equal(r7.status, 400);
    const jobs = await getJson<{ jobs: Obj[] }>(`${c.url}/jobs/overview`);
    assert.ok(jobs.body.jobs.every((j) => j.name !== 'ThrowingMain'));
  });

  test("program-class wins over Main-Class, as in Flink's PackagedProgram", async () => {
    const both = await buildJar(path.join(dir, 'both.jar'), { programClass: ACCUMULATOR_CLASS, mainClass: FAILING_CLASS });
    const id = jarIdOf((await uploadJar(c.url, both)).body.filename);
    const listed = (await getJson<{ files: { id: string; entry: { name: string }[] }[] }>(`${c.url}/jars`)).body.files.find((f) => f.id === id);
    assert.deepEqual(listed?.entry.map((e) => e.name), [ACCUMULATOR_CLASS]);
    const jid = await run(id, { programArgsList: ['--records', '10'] });
    await waitState(jid, 'FINISHED');
    const details = await getJson<Obj>(`${c.url}/jobs/${jid}`);
    assert.equal(details.body.name, 'Accumulator Example', 'the program-class ran, not the Main-Class (which would fail)');
    await request('DELETE', `${c.url}/jars/${id}`);
  });

  test('served routes without a test of their own: JobManager metrics, environment and thread dump; job status and plan', async () => {
    const metrics = await getJson<{ id: string; value?: string }[]>(`${c.url}/jobmanager/metrics`);
    assert.equal(metrics.status, 200);
    assert.ok(metrics.body.some((m) => m.id === 'numRegisteredTaskManagers'));
    const some = await getJson<{ id: string; value: string }[]>(`${c.url}/jobmanager/metrics?get=numRegisteredTaskManagers,taskSlotsAvailable`);
    assert.deepEqual(some.body.map((m) => m.id).sort(), ['numRegisteredTaskManagers', 'taskSlotsAvailable']);
    assert.equal(some.body.find((m) => m.id === 'numRegisteredTaskManagers')?.value, '1');
    const env = await getJson<{ jvm: { version: string }; classpath: string[] }>(`${c.url}/jobmanager/environment`);
    assert.equal(env.status, 200);
    assert.match(env.body.jvm.version, /Stand-in/);
    const dump = await getJson<{ threadInfos: { threadName: string; stringifiedThreadInfo: string }[] }>(`${c.url}/jobmanager/thread-dump`);
    assert.equal(dump.status, 200);
    assert.ok(dump.body.threadInfos.length > 0);
    const jid = await run(jarIds.st, { entryClass: STREAMING_CLASS, parallelism: 1 });
    await waitState(jid, 'RUNNING');
    const status = await getJson<{ status: string }>(`${c.url}/jobs/${jid}/status`);
    assert.equal(status.body.status, 'RUNNING');
    const plan = await getJson<{ plan: { jid: string; nodes: Obj[] } }>(`${c.url}/jobs/${jid}/plan`);
    assert.equal(plan.body.plan.jid, jid);
    assert.ok(plan.body.plan.nodes.length > 0);
    assert.equal((await request('PATCH', `${c.url}/jobs/${jid}?mode=cancel`)).status, 202);
    await waitState(jid, 'CANCELED');
    assert.equal((await getJson<{ status: string }>(`${c.url}/jobs/${jid}/status`)).body.status, 'CANCELED');
  });

  test('every 2xx JSON answer is validated: an answer off the spec, or on a path the spec lacks, is refused', () => {
    assert.throws(() => validateAgainstSpec('GET', `${c.url}/overview`, 200, 'application/json', { taskmanagers: 'one' }), /does not match the spec/);
    assert.throws(() => validateAgainstSpec('GET', `${c.url}/no/such/route`, 200, 'application/json', {}), /the spec has no such path/);
    assert.throws(() => validateAgainstSpec('DELETE', `${c.url}/jars/x.jar`, 200, 'application/json', { deleted: true }), /describes no answer body/);
    assert.throws(() => validateAgainstSpec('GET', `${c.url}/taskmanagers/tm-0/metrics`, 200, 'application/json', { metrics: [] }), /bare array/);
    // Errors and text answers are not held to the 2xx schemas.
    validateAgainstSpec('GET', `${c.url}/overview`, 404, 'application/json', { errors: ['x'] });
    validateAgainstSpec('GET', `${c.url}/jobmanager/log`, 200, 'text/plain', 'log text');
  });

  test('plan: POST answers the job graph; GET still answers it (recorded up to 2.3.0)', async () => {
    const plan = await request<{ plan: { nodes: Obj[]; type: string } }>('POST', `${c.url}/jars/${jarIds.wc}/plan`, { parallelism: 2, programArgsList: ['--input', 'x'] });
    assert.equal(plan.status, 200);
    spec.response('post', '/jars/{jarid}/plan', plan.body);
    assert.equal(plan.body.plan.nodes.length, 3);
    assert.equal(plan.body.plan.nodes[0].parallelism, 2);
    assert.equal(plan.body.plan.type, 'BATCH');
    const get = await getJson<{ plan: { nodes: Obj[] } }>(`${c.url}/jars/${jarIds.wc}/plan?parallelism=2&programArg=--input,x`);
    assert.equal(get.status, 200);
    assert.equal(get.body.plan.nodes.length, 3);
    assert.equal(get.body.plan.nodes[0].parallelism, 2);
    const bad = await request('POST', `${c.url}/jars/${jarIds.wc}/plan`, { savepointPath: '/x' });
    assertErrors(bad.body, 'Request did not match expected format JarPlanRequestBody.');
  });

  test('WordCount end to end on the Apache License text, parallelism 1 (one file) and 2 (a folder of part files)', async () => {
    const input = writeLicenseText(path.join(dir, 'LICENSE.txt'));
    const expected = countWords(fs.readFileSync(input, 'utf8'));
    assert.ok(expected.get('license')! > 10);
    for (const p of [1, 2]) {
      const output = path.join(dir, `wordcount-out-${p}`);
      const jid = await run(jarIds.wc, { programArgsList: ['--input', input, '--output', output], parallelism: p });
      await waitState(jid, 'FINISHED');
      const files = p === 1 ? [output] : fs.readdirSync(output).map((f) => path.join(output, f));
      if (p === 2) assert.deepEqual(fs.readdirSync(output).sort(), ['1', '2']);
      const got = new Map<string, number>();
      for (const f of files) {
        for (const line of fs.readFileSync(f, 'utf8').split('\n').filter(Boolean)) {
          const m = /^\((.+),(\d+)\)$/.exec(line);
          assert.ok(m, `line "${line}" is not (word,count)`);
          got.set(m[1], Number(m[2]));
        }
      }
      assert.deepEqual(got, expected);
      assert.equal(got.get('the'), (fs.readFileSync(input, 'utf8').toLowerCase().match(/\bthe\b/g) ?? []).length);
      const details = await getJson<Obj>(`${c.url}/jobs/${jid}`);
      spec.response('get', '/jobs/{jobid}', details.body);
      const ts = details.body.timestamps as Record<string, number>;
      assert.ok(ts.CREATED > 0 && ts.RUNNING >= ts.CREATED && ts.FINISHED >= ts.RUNNING && ts.FAILED === 0);
      const vertices = details.body.vertices as { status: string; parallelism: number; metrics: Record<string, number> }[];
      assert.ok(vertices.every((v) => v.status === 'FINISHED' && v.parallelism === p));
      assert.equal(vertices[2].metrics['read-records'], expected.size);
      assert.equal(typeof details.body.plan, 'object');
    }
    const again = await run(jarIds.wc, { programArgsList: ['--input', input, '--output', path.join(dir, 'wordcount-out-1')], parallelism: 1 });
    await waitState(again, 'FAILED');
    const ex = await getJson<Obj>(`${c.url}/jobs/${again}/exceptions`);
    // Recorded: without restarts the root exception is Flink's "Recovery is suppressed" wrapper, the task's exception its cause.
    assert.match(String(ex.body['root-exception']), /^org\.apache\.flink\.runtime\.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy\n[\s\S]*\nCaused by: [^\n]*NO_OVERWRITE/);
    const overview = await getJson<{ jobs: Obj[] }>(`${c.url}/jobs/overview`);
    spec.response('get', '/jobs/overview', overview.body);
    const ids = await getJson(`${c.url}/jobs`);
    spec.response('get', '/jobs', ids.body);
  });

  test('streaming job: savepoint trigger and polling, stop with savepoint, restore, cancel', async () => {
    const target = path.join(dir, 'savepoints');
    const jid = await run(jarIds.st, { parallelism: 1 });
    await waitFor(async () => {
      const d = await getJson<{ vertices: { status: string; metrics: Record<string, number> }[] }>(`${c.url}/jobs/${jid}`);
      return d.body.vertices.every((v) => v.status === 'RUNNING') && d.body.vertices[0].metrics['write-records'] > 0;
    }, 5000, 'records to flow');
    const noTarget = await request('POST', `${c.url}/jobs/${jid}/savepoints`, {});
    assert.equal(noTarget.status, 400);
    assertErrors(noTarget.body, 'Config key [state.savepoints.dir] is not set. Property [target-directory] must be provided.');
    const noStopTarget = await request('POST', `${c.url}/jobs/${jid}/stop`, { drain: false });
    assertErrors(noStopTarget.body, 'Property [targetDirectory] must be provided.');
    const trig = await request<{ 'request-id': string }>('POST', `${c.url}/jobs/${jid}/savepoints`, { 'target-directory': target, 'cancel-job': false });
    assert.equal(trig.status, 202);
    spec.response('post', '/jobs/{jobid}/savepoints', trig.body);
    const poll = async (trigger: string, job = jid): Promise<Obj> => {
      let last: Obj = {};
      await waitFor(async () => {
        last = (await getJson<Obj>(`${c.url}/jobs/${job}/savepoints/${trigger}`)).body;
        spec.response('get', '/jobs/{jobid}/savepoints/{triggerid}', last);
        return (last.status as Obj).id === 'COMPLETED';
      }, 5000, 'the savepoint');
      return last;
    };
    const first = await poll(trig.body['request-id']);
    const location = (first.operation as { location: string }).location;
    assert.match(location, /^file:\/.*savepoints\/savepoint-[0-9a-f]{6}-[0-9a-f]{12}$/);
    assert.ok(fs.existsSync(path.join(location.slice('file:'.length), '_metadata')));
    assert.equal(await jobState(jid), 'RUNNING');
    const unknownTrigger = await getJson(`${c.url}/jobs/${jid}/savepoints/${'0'.repeat(32)}`);
    assert.equal(unknownTrigger.status, 404);
    const stop = await request<{ 'request-id': string }>('POST', `${c.url}/jobs/${jid}/stop`, { targetDirectory: target, drain: false });
    assert.equal(stop.status, 202);
    spec.response('post', '/jobs/{jobid}/stop', stop.body);
    const stopped = await poll(stop.body['request-id']);
    const stopLocation = (stopped.operation as { location: string }).location.slice('file:'.length);
    await waitState(jid, 'FINISHED');
    const state = JSON.parse(fs.readFileSync(path.join(stopLocation, '_metadata'), 'utf8')) as { state: { records: number } };
    assert.ok(state.state.records > 0);
    // restore from that savepoint, then cancel
    const restored = await run(jarIds.st, { parallelism: 1, savepointPath: `file:${stopLocation}`, allowNonRestoredState: false });
    await waitState(restored, 'RUNNING');
    const cancel = await request('PATCH', `${c.url}/jobs/${restored}?mode=cancel`);
    assert.equal(cancel.status, 202);
    await waitState(restored, 'CANCELED');
    const d = await getJson<{ vertices: { status: string }[]; timestamps: Record<string, number> }>(`${c.url}/jobs/${restored}`);
    assert.ok(d.body.vertices.every((v) => v.status === 'CANCELED'));
    assert.ok(d.body.timestamps.CANCELLING > 0 && d.body.timestamps.CANCELED >= d.body.timestamps.CANCELLING);
    const afterEnd = await request('POST', `${c.url}/jobs/${restored}/savepoints`, { 'target-directory': target });
    const failed = await poll((afterEnd.body as { 'request-id': string })['request-id'], restored);
    assert.match(JSON.stringify(failed.operation), /failure-cause.*is not being executed at the moment/);
    // a missing savepoint fails the job at start
    const lost = await run(jarIds.st, { parallelism: 1, savepointPath: path.join(dir, 'no-such-savepoint') });
    await waitState(lost, 'FAILED');
    const ex = await getJson<Obj>(`${c.url}/jobs/${lost}/exceptions`);
    assert.match(String(ex.body['root-exception']), /Cannot find checkpoint or savepoint file\/directory/);
  });

  test('cancel errors: finished job (409), unknown job (404), malformed id (400), bad mode (400)', async () => {
    const jid = await run(jarIds.st, { entryClass: ACCUMULATOR_CLASS, programArgsList: ['--records', '10'] });
    await waitState(jid, 'FINISHED');
    const done = await request('PATCH', `${c.url}/jobs/${jid}?mode=cancel`);
    assert.equal(done.status, 409);
    assertErrors(done.body, 'Job cancellation failed because the job has already reached another terminal state (FINISHED).');
    const unknown = await request('PATCH', `${c.url}/jobs/${'a'.repeat(32)}?mode=cancel`);
    assert.equal(unknown.status, 404);
    assertErrors(unknown.body, 'Job could not be found.');
    const bad = await getJson(`${c.url}/jobs/not-a-job-id`);
    assert.equal(bad.status, 400);
    assertErrors(bad.body, 'Bad request, could not parse parameters: Cannot resolve path parameter (jobid) from value "not-a-job-id".');
    const notFoundJob = await getJson(`${c.url}/jobs/${'b'.repeat(32)}`);
    assert.equal(notFoundJob.status, 404);
    assertErrors(notFoundJob.body, `Job ${'b'.repeat(32)} not found`);
    const badMode = await request('PATCH', `${c.url}/jobs/${jid}?mode=explode`);
    assert.equal(badMode.status, 400);
  });

  test('failing job: FAILED with exceptions, exception history and an execution-result failure cause', async () => {
    const jid = await run(jarIds.st, { entryClass: FAILING_CLASS, programArgsList: ['--message', 'boom at record 42'] });
    await waitState(jid, 'FAILED');
    const ex = await getJson<Obj>(`${c.url}/jobs/${jid}/exceptions`);
    spec.response('get', '/jobs/{jobid}/exceptions', ex.body);
    assert.match(String(ex.body['root-exception']), /^org\.apache\.flink\.runtime\.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy\n[\s\S]*\nCaused by: java\.lang\.RuntimeException: boom at record 42/);
    const history = ex.body.exceptionHistory as { entries: Obj[]; truncated: boolean };
    assert.equal(history.entries.length, 1);
    // Recorded: the entry is the global wrapper; the task's exception, its task and TaskManager are its concurrent exception.
    assert.equal(history.entries[0].exceptionName, 'org.apache.flink.runtime.JobException');
    const task = (history.entries[0].concurrentExceptions as Obj[])[0];
    assert.equal(task.exceptionName, 'java.lang.RuntimeException');
    assert.equal(task.taskManagerId, 'tm-0');
    assert.match(String(task.taskName), /Map -> Sink: Discarding Sink/);
    const result = await getJson<{ status: { id: string }; 'job-execution-result': Obj }>(`${c.url}/jobs/${jid}/execution-result`);
    assert.equal(result.body.status.id, 'COMPLETED');
    assert.equal(result.body['job-execution-result']['application-status'], 'FAILED');
    const cause = result.body['job-execution-result']['failure-cause'] as Obj;
    assert.equal(cause.class, 'org.apache.flink.runtime.JobException', 'the wrapper, as recorded in every version');
    assert.match(String(cause['stack-trace']), /\nCaused by: java\.lang\.RuntimeException: boom at record 42/);
    const overview = await getJson<Obj>(`${c.url}/overview`);
    assert.ok((overview.body['jobs-failed'] as number) >= 1);
    assert.equal((await getJson<Obj>(`${c.url}/jobs/${jid}`)).body.name, 'Failing job', 'the default name');
  });

  test('failing job: --job-name names the job, markup and all (for UI escaping tests)', async () => {
    const name = `<img src=x onerror="alert('job')"> & <b>bold</b>`;
    const jid = await run(jarIds.st, { entryClass: FAILING_CLASS, programArgsList: ['--job-name', name, '--message', 'named'] });
    await waitState(jid, 'FAILED');
    assert.equal((await getJson<Obj>(`${c.url}/jobs/${jid}`)).body.name, name);
    const listed = (await getJson<{ jobs: Obj[] }>(`${c.url}/jobs/overview`)).body.jobs.find((j) => j.jid === jid);
    assert.equal(listed?.name, name);
  });

  test('accumulators job: readable user accumulators', async () => {
    const jid = await run(jarIds.st, { entryClass: ACCUMULATOR_CLASS, programArgsList: ['--records', '100'] });
    await waitState(jid, 'FINISHED');
    const acc = await getJson<{ 'user-task-accumulators': { name: string; type: string; value: string }[] }>(`${c.url}/jobs/${jid}/accumulators`);
    spec.response('get', '/jobs/{jobid}/accumulators', acc.body);
    const byName = Object.fromEntries(acc.body['user-task-accumulators'].map((a) => [a.name, a]));
    assert.deepEqual(byName['num-records'], { name: 'num-records', type: 'IntCounter', value: '100' });
    assert.equal(byName.sum.value, '5050');
    assert.equal(byName.histogram.value, '{0=10, 1=10, 2=10, 3=10, 4=10, 5=10, 6=10, 7=10, 8=10, 9=10}');
  });

  test('execution-result: the documented deviation from the spec (hyphenated names, serialized accumulators)', async () => {
    const jid = await run(jarIds.st, { entryClass: ACCUMULATOR_CLASS, programArgsList: ['--records', '5'] });
    const early = await getJson<Obj>(`${c.url}/jobs/${jid}/execution-result`);
    assert.deepEqual(early.body, { status: { id: 'IN_PROGRESS' } });
    spec.response('get', '/jobs/{jobid}/execution-result', early.body);
    await waitState(jid, 'FINISHED');
    const done = await getJson<{ status: { id: string }; 'job-execution-result': Obj }>(`${c.url}/jobs/${jid}/execution-result`);
    // The envelope still validates: the spec's JobResult has no required members, so the deviation is invisible to a validator...
    spec.response('get', '/jobs/{jobid}/execution-result', done.body);
    const result = done.body['job-execution-result'];
    // ...but the names are not the spec's: id, application-status, net-runtime, accumulator-results.
    assert.deepEqual(Object.keys(result).sort(), ['accumulator-results', 'application-status', 'id', 'net-runtime']);
    for (const specName of ['jobId', 'applicationStatus', 'netRuntime', 'accumulatorResults', 'success']) assert.ok(!(specName in result));
    assert.equal(result.id, jid);
    assert.equal(result['application-status'], 'SUCCEEDED');
    const acc = result['accumulator-results'] as Record<string, string>;
    assert.match(acc['num-records'], /^rO0AB/, 'accumulator values are serialized Java objects, not readable values');
    const unknown = await getJson(`${c.url}/jobs/${'c'.repeat(32)}/execution-result`);
    assert.equal(unknown.status, 404);
  });

  test('slots: a job waits for free slots, runs when a TaskManager joins, fails with NoResourceAvailableException otherwise', async () => {
    const hungry = await run(jarIds.st, { parallelism: 3 });
    await waitState(hungry, 'FAILED', 4000);
    const ex = await getJson<Obj>(`${c.url}/jobs/${hungry}/exceptions`);
    assert.match(String(ex.body['root-exception']), /^org\.apache\.flink\.runtime\.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy\n[\s\S]*\nCaused by: [^\n]*NoResourceAvailableException: Slot request bulk is not fulfillable! Could not allocate the required slot within slot request timeout/);
    const waiting = await run(jarIds.st, { parallelism: 3 });
    await new Promise((r) => setTimeout(r, 150));
    const d = await getJson<{ state: string; vertices: { status: string }[] }>(`${c.url}/jobs/${waiting}`);
    assert.equal(d.body.state, 'RUNNING');
    assert.ok(d.body.vertices.every((v) => v.status === 'SCHEDULED'));
    const extra = await c.addTaskManager({ 'taskmanager.resource-id': 'tm-extra' });
    await waitFor(async () => (await getJson<{ vertices: { status: string }[] }>(`${c.url}/jobs/${waiting}`)).body.vertices.every((v) => v.status === 'RUNNING'), 3000, 'the job to get its slots');
    const ov = await getJson<Obj>(`${c.url}/overview`);
    assert.equal(ov.body['slots-total'], 4);
    assert.equal(ov.body['slots-available'], 1);
    const tmd = await getJson<{ allocatedSlots: { jobId: string }[] }>(`${c.url}/taskmanagers/tm-extra`);
    assert.deepEqual(tmd.body.allocatedSlots.map((s) => s.jobId), [waiting]);
    // losing a TaskManager that holds slots fails the job; the TaskManager leaves after heartbeat.timeout (1000 ms here)
    await extra.stop({ crash: true });
    extra.log.close();
    c.tms.splice(c.tms.indexOf(extra), 1);
    await waitState(waiting, 'FAILED', 5000);
    const lost = await getJson<Obj>(`${c.url}/jobs/${waiting}/exceptions`);
    assert.match(String(lost.body['root-exception']), /Heartbeat of TaskManager with id tm-extra timed out/);
    assert.equal((await getJson(`${c.url}/taskmanagers/tm-extra`)).status, 500, 'an unknown TaskManager, as recorded');
    assert.equal((await getJson<Obj>(`${c.url}/overview`)).body['slots-available'], 2);
  });

  test('DELETE /cluster shuts the JobManager down; uploads are lost with it', async () => {
    const other = await startInProcessCluster({ taskManagers: 0 });
    const up = await uploadJar(other.url, wordCountJar);
    assert.ok(fs.existsSync(up.body.filename));
    const stopped = new Promise((r) => other.jm.once('shutdown', r));
    const r = await request('DELETE', `${other.url}/cluster`);
    assert.equal(r.status, 200);
    await stopped;
    assert.equal(fs.existsSync(up.body.filename), false);
    await assert.rejects(fetch(`${other.url}/overview`));
    await other.stop();
  });
});
