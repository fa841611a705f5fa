// Issue 9, bad input: every case is refused with a message naming the problem AND the fix, and nothing is lost:
// no task left on the master, the saved session store intact (a "keeper" record byte-for-byte), the jar file untouched.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { MesosCluster } from '../standin/mesos/MesosCluster';
import { FlinkSession, type FlinkSessionDeps } from '../../src/core/session/FlinkSession';
import { FileSessionStore } from '../../src/core/session/SessionStore';
import { SessionOptionError, validateSessionOptions, type SessionOptionsInput } from '../../src/core/session/SessionOptions';
import { FlinkConfigurationError } from '../../src/core/flink/flinkConfiguration';
import { FlinkRestClient } from '../../src/core/flink/FlinkRestClient';
import { FlinkRestError } from '../../src/core/flink/FlinkRestError';
import { JarSubmitter, MemoryJarUploadStore } from '../../src/core/flink/JarSubmitter';
import { JarInspectionError } from '../../src/core/flink/jarInspector';
import { ProgramArgsError } from '../../src/core/flink/programArgs';
import { runJobCommand } from '../../src/core/cli/jobCommands';
import { encodeRecord } from '../../src/core/mesos/recordio';
import { buildJar, WORDCOUNT_CLASS } from '../fixtures/jars';
import { FlinkCluster } from '../core/flink/flinkCluster';
import {
  FAST, Keepsakes, ProcessTracker, allLiveTasks, assertEndState, eventually, startCluster, tempDir, testLogger,
} from './reliabilityHarness';
import { bufferIo } from '../helpers/bufferIo';

const CREDS = { principal: 'flink', secret: 'Bad-Input-Secret-42' };
const tracker = new ProcessTracker();
const cleanups: (() => Promise<void> | void)[] = [];
let cluster: MesosCluster;
let storeDir: string;
let store: FileSessionStore;
let keep: Keepsakes;
let flink: FlinkCluster;

before(async () => {
  cluster = tracker.track(await startCluster({ agents: 2, auth: [CREDS] }));
  storeDir = tempDir('reliability-bad-input-');
  store = new FileSessionStore(path.join(storeDir, 'sessions'));
  const jar = await buildJar(path.join(storeDir, 'job.jar'), { mainClass: WORDCOUNT_CLASS });
  keep = await Keepsakes.create(store, jar);
  // A JobManager with a small upload limit, so "over the upload limit" needs no big file.
  flink = await FlinkCluster.start({ taskManagers: 1, slotsPerTaskManager: 2, jobManagerConf: { 'rest.server.max-content-length': '65536' } });
  cleanups.push(() => flink.stop());
});
after(async () => {
  for (const c of cleanups.reverse()) await c();
  await tracker.stopAll();
  fs.rmSync(storeDir, { recursive: true, force: true });
});

const master = (): string => cluster.masterUrls[0].replace(/^http:\/\//, '');

/** Options a user could type (the framework user is this process's operating-system user). */
function validate(input: Partial<SessionOptionsInput>): ReturnType<typeof validateSessionOptions> {
  return validateSessionOptions({ master: master(), flink: { kind: 'home', path: cluster.flinkHome }, taskManagerMemoryMb: 1024, jobManagerMemoryMb: 1024, taskManagers: 1, ...input });
}

/** Nothing lost: the keeper record, the jar, and no task on the master. */
async function nothingLost(): Promise<void> {
  await keep.assertIntact();
  assert.deepEqual(await allLiveTasks(cluster), [], 'no task left on the master');
}

/** A refused option: the error names the problem and the fix. */
function refusedOption(input: Partial<SessionOptionsInput>, option: string, problem: RegExp, fix: RegExp): void {
  assert.throws(() => validate(input), (e: unknown) => {
    assert.ok(e instanceof SessionOptionError || e instanceof FlinkConfigurationError, `unexpected ${String(e)}`);
    if (e instanceof SessionOptionError) assert.equal(e.option, option);
    assert.match(e.message, problem);
    assert.match(e.fix, fix);
    assert.ok(e.message.includes(e.fix), 'the message shown carries the fix');
    return true;
  });
}

/** Starts a session that must fail before or while subscribing; returns its reason. */
async function failingStart(input: Partial<SessionOptionsInput>, extra: Partial<FlinkSessionDeps> = {}, logs: string[] = []): Promise<{ reason: string; ms: number }> {
  const t0 = Date.now();
  const session = await FlinkSession.create(validate({ name: `bad-${randomUUID().slice(0, 8)}`, ...input }),
    { store, log: testLogger(logs), timings: FAST, credentials: CREDS, ...extra });
  await session.start();
  await session.whenEnded();
  assert.equal(session.phase, 'failed');
  await eventually('the failed session is not kept', async () => (await store.list()).length === 1, 3000, 50);
  return { reason: session.snapshot().reason ?? '', ms: Date.now() - t0 };
}

describe('bad input: master addresses and authentication', { timeout: 60000 }, () => {
  test('master: empty', async () => {
    refusedOption({ master: '' }, '-m', /the Mesos master address is missing/, /-m|HOST:PORT/);
    await nothingLost();
  });
  test('master: malformed host:port', async () => {
    refusedOption({ master: 'mesos-master' }, '-m', /"mesos-master" .*is not HOST:PORT/, /HOST:PORT|5050/);
    await nothingLost();
  });
  test('master: port out of range', async () => {
    refusedOption({ master: 'mesos:70000' }, '-m', /port 70000 .*out of range/, /port|1.*65535/i);
    await nothingLost();
  });
  test('master: a bad zk:// address', async () => {
    refusedOption({ master: 'zk://zk1:2181' }, '-m', /not a ZooKeeper address/, /zk:\/\/HOST:PORT\/|path/i);
    await nothingLost();
  });
  test('master: connection refused, fast', async () => {
    const { reason, ms } = await failingStart({ master: '127.0.0.1:1' });
    assert.match(reason, /connection to http:\/\/127\.0\.0\.1:1 refused/);
    assert.match(reason, /Check the master address \(-m\) and that the Mesos master is running/);
    assert.ok(ms < 5000, `took ${ms} ms`);
    await nothingLost();
  });
  test('master: a timeout (accepts the connection, never answers) fails within the subscribe timeout, no hang', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const sockets: net.Socket[] = [];
    silent.on('connection', (s) => sockets.push(s));
    try {
      const port = (silent.address() as net.AddressInfo).port;
      const { reason, ms } = await failingStart({ master: `127.0.0.1:${port}` }, { timings: { ...FAST, subscribeTimeoutMs: 2500, callTimeoutMs: 800 } });
      assert.match(reason, new RegExp(`No Mesos master at 127\\.0\\.0\\.1:${port} accepted the subscription within 2500 ms.*did not answer within 800 ms`));
      assert.match(reason, /Check the master address \(-m\)/);
      assert.ok(ms < 6000, `took ${ms} ms`);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
    await nothingLost();
  });
  test('401 without credentials', async () => {
    const { reason } = await failingStart({}, { credentials: undefined });
    assert.match(reason, /refused the subscription with 401 Unauthorized \(sent no credentials\)/);
    assert.match(reason, /set a principal and secret/);
    await nothingLost();
  });
  test('401 with a wrong secret (the secret is never shown)', async () => {
    const { reason } = await failingStart({}, { credentials: { principal: 'flink', secret: 'wrong-Secret-77' } });
    assert.match(reason, /401 Unauthorized \(sent principal "flink"\)/);
    assert.match(reason, /Check the secret of principal "flink"/);
    assert.ok(!reason.includes('wrong-Secret-77'));
    await nothingLost();
  });
  test('a framework principal that does not match the credentials', async () => {
    const { reason } = await failingStart({ principal: 'someone-else' });
    assert.match(reason, /Authenticated principal 'flink' does not match principal 'someone-else'/);
    assert.match(reason, /Set the framework principal to the principal of the credentials/);
    await nothingLost();
  });
  test('a role the master refuses (ERROR event)', async () => {
    // A master that refuses the role with an ERROR event on the subscription stream, as Mesos does for roles outside --roles.
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json', 'mesos-stream-id': randomUUID() });
        res.end(encodeRecord(JSON.stringify({ type: 'ERROR', error: { message: "Role 'prod' is not present in the master's --roles" } })));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { reason } = await failingStart({ master: `127.0.0.1:${(server.address() as net.AddressInfo).port}`, role: 'prod' });
      assert.match(reason, /The master refused the framework's role \(ERROR "Role 'prod' is not present/);
      assert.match(reason, /Use a role the master allows/);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
    await nothingLost();
  });
  test('a role name Mesos cannot take', async () => {
    refusedOption({ role: 'my role' }, '--role', /"my role" is not a valid Mesos role/, /without spaces/);
    await nothingLost();
  });
});

describe('bad input: options and configuration files', () => {
  test('zero TaskManagers', async () => {
    refusedOption({ taskManagers: 0 }, '-n', /0 is not a valid value for the number of TaskManagers/, /-n 1 or more/);
    await nothingLost();
  });
  test('a negative size', async () => {
    refusedOption({ taskManagerMemoryMb: -1 }, '-tm', /-1 is not a valid value for TaskManager memory/, /-tm 1024 or more/);
    await nothingLost();
  });
  test('slots 0', async () => {
    refusedOption({ slotsPerTaskManager: 0 }, '-s', /slots per TaskManager/, /-s 1 or more/);
    await nothingLost();
  });
  test('TaskManager memory below Flink\'s minimum', async () => {
    refusedOption({ taskManagerMemoryMb: 512 }, '-tm', /512 MB is below the 1024 MB Flink needs for a TaskManager/, /-tm 1024 or more/);
    await nothingLost();
  });
  test('-D without =', async () => {
    refusedOption({ dynamicProperties: ['taskmanager.numberOfTaskSlots'] }, '-D', /"taskmanager.numberOfTaskSlots" has no "="/, /key=value/);
    await nothingLost();
  });
  test('an unknown Flink key is a warning, not an error', async () => {
    const v = validate({ dynamicProperties: ['paralelism.default=4'] });
    assert.deepEqual(v.flinkConfiguration, { 'paralelism.default': '4' });
    assert.ok(v.warnings.some((w) => /"paralelism.default" is not a known Flink option \(a typo\?\); it is passed to Flink unchanged/.test(w)), v.warnings.join('\n'));
    await nothingLost();
  });
  test('a configuration folder that is missing', async () => {
    refusedOption({ confDir: path.join(storeDir, 'no-such-conf') }, '-c', /cannot be read \(it does not exist\)/, /-c DIR/);
    await nothingLost();
  });
  test('a configuration folder whose file cannot be read', async () => {
    const dir = path.join(storeDir, 'conf-unreadable');
    fs.mkdirSync(path.join(dir, 'flink-conf.yaml'), { recursive: true }); // root reads every file: a folder in its place cannot be read as one
    refusedOption({ confDir: dir }, '-c', /flink-conf\.yaml/, /./);
    assert.throws(() => validate({ confDir: dir }), (e: Error) => /cannot be read|not a file/i.test(e.message));
    await nothingLost();
  });
  test('malformed YAML names the file and the line', async () => {
    const dir = path.join(storeDir, 'conf-malformed');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'config.yaml'), 'rest:\n  port: 8081\n  address: [unclosed\nparallelism.default: 2\n');
    assert.throws(() => validate({ confDir: dir }), (e: unknown) => {
      assert.ok(e instanceof FlinkConfigurationError);
      assert.ok(e.message.includes(path.join(dir, 'config.yaml')), e.message);
      assert.ok(typeof e.line === 'number' && e.line >= 3, `line ${e.line}`);
      assert.match(e.message, /line \d+/);
      assert.ok(e.fix.length > 10, e.fix);
      return true;
    });
    await nothingLost();
  });
  test('both flink-conf.yaml and config.yaml', async () => {
    const dir = path.join(storeDir, 'conf-both');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'config.yaml'), 'a: 1\n');
    fs.writeFileSync(path.join(dir, 'flink-conf.yaml'), 'b: 2\n');
    refusedOption({ confDir: dir }, '-c', /both flink-conf.yaml and config.yaml/, /remove or rename/i);
    await nothingLost();
  });
  test('a cluster that can never fit: says what is missing and stops waiting after the configured time', async () => {
    const diagnoses: string[] = [];
    const t0 = Date.now();
    const session = await FlinkSession.create(validate({ name: 'toobig', taskManagerMemoryMb: 65536, fitTimeoutSeconds: 2 }), { store, log: testLogger(), timings: FAST, credentials: CREDS });
    session.on('diagnosis', (d) => diagnoses.push(d));
    await session.start();
    await session.whenEnded();
    assert.ok(Date.now() - t0 < 8000);
    assert.equal(session.phase, 'failed');
    const reason = session.snapshot().reason!;
    assert.match(reason, /Gave up after 2 s waiting for offers that fit/);
    assert.match(reason, /needs 65536 MB and 1 cpu and 2 ports per TaskManager and still waits for 1 of 1 TaskManagers; the offers now, after what the session holds: agent \S+ \(\S+\): \d+ MB free, a TaskManager needs 65536 MB and 1 cpu/);
    assert.match(reason, /Lower -tm\/-tmc or free resources on the cluster/);
    assert.ok(diagnoses.length > 0);
    await eventually('no task left', async () => (await allLiveTasks(cluster)).length === 0, 10000);
    await eventually('the failed session is not kept', async () => (await store.list()).length === 1, 3000, 50);
    await nothingLost();
  });
});

/** An HTTP proxy in front of the master that can write extra bytes into the subscription stream (or end it). */
async function streamProxy(target: string): Promise<{ url: string; inject(bytes: Buffer | string, end?: boolean): number; close(): Promise<void> }> {
  const upstream = new URL(target);
  const streams = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const out = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      const subscription = answer.headers['mesos-stream-id'] !== undefined && answer.statusCode === 200;
      if (subscription) { streams.add(res); res.on('close', () => streams.delete(res)); }
      answer.pipe(res);
    });
    out.on('error', () => res.destroy());
    res.on('close', () => out.destroy());
    req.pipe(out);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    inject(bytes, end = false) {
      for (const s of streams) { s.write(bytes); if (end) s.end(); }
      return streams.size;
    },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

describe('bad input: garbage in the event stream (the session reconnects, nothing is lost)', { timeout: 90000 }, () => {
  let session: FlinkSession;
  let proxy: Awaited<ReturnType<typeof streamProxy>>;
  const logs: string[] = [];
  let taskIdsBefore: string[] = [];
  const connection: { state: string; reason?: string }[] = [];

  before(async () => {
    proxy = await streamProxy(cluster.masterUrls[0]);
    session = await FlinkSession.create(validate({ name: 'garbled', master: proxy.url, dynamicProperties: ['heartbeat.timeout=5000', 'heartbeat.interval=500'] }),
      { store, log: testLogger(logs), timings: FAST, credentials: CREDS });
    session.on('connection', (state, d) => connection.push({ state, reason: d.reason }));
    await session.start();
    await session.waitFor((s) => s.phase === 'running', 60000, 'running');
    taskIdsBefore = session.snapshot().taskManagers.map((t) => t.taskId);
  });
  after(async () => {
    await session?.stop().catch(() => undefined);
    await proxy?.close();
  });

  async function garbage(bytes: string, problem: RegExp, end = false): Promise<void> {
    connection.length = 0;
    logs.length = 0;
    assert.equal(proxy.inject(bytes, end), 1, 'one subscription stream through the proxy');
    const lost = await eventually('the garbage detected', async () => connection.find((c) => c.state === 'disconnected'), 10000, 20);
    assert.match(lost.reason ?? '', problem);
    // The log names the problem and the fix (the client reconnects by itself; a repeat points at a proxy).
    assert.ok(logs.some((l) => problem.test(l) && /check for a proxy between this machine and the master/.test(l) && /retrying/.test(l)), logs.filter((l) => /^warn/.test(l)).join('\n'));
    await session.waitFor((s) => s.connection === 'subscribed', 15000, 'subscribed again');
    await assertEndState(cluster, session, store, 1);
    assert.deepEqual(session.snapshot().taskManagers.map((t) => t.taskId), taskIdsBefore, 'the same TaskManager: nothing relaunched');
    await keep.assertIntact(['garbled']);
  }

  test('a size that is not digits', () => garbage('12ab\n{}', /broke its framing/));
  test('an oversized record', () => garbage('99999999999\n', /broke its framing.*(too large|exceeds|larger|limit)/i));
  test('a truncated record', () => garbage('200\n{"type":"HEARTBEAT"', /broke its framing.*(truncated|ended|end)/i, true));
  test('invalid JSON', () => garbage(encodeRecord('{"type": HEARTBEAT}').toString('utf8'), /carried invalid JSON/));
  test('an unknown event type is logged and ignored (no reconnect)', async () => {
    connection.length = 0;
    logs.length = 0;
    proxy.inject(encodeRecord(JSON.stringify({ type: 'FROBNICATE', frobnicate: {} })));
    await eventually('logged', async () => logs.some((l) => /^debug mesos < FROBNICATE: not handled by this framework, ignored/.test(l)), 5000, 20);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(connection, [], 'the stream stays up');
    await assertEndState(cluster, session, store, 1);
  });
});


describe('bad input: jars, job details and JobManager addresses', { timeout: 60000 }, () => {
  let client: FlinkRestClient;
  let submitter: JarSubmitter;
  before(() => {
    client = new FlinkRestClient(flink.restUrl, { timeoutMs: 5000 });
    submitter = new JarSubmitter(client, { store: new MemoryJarUploadStore() });
    cleanups.push(() => client.close());
  });

  async function noJarUploaded(): Promise<void> {
    assert.deepEqual((await client.jars()).files, [], 'nothing was uploaded');
    await nothingLost();
  }

  test('a jar that is not a zip', async () => {
    const file = path.join(storeDir, 'notes.jar');
    fs.writeFileSync(file, 'this is a text file, not a jar\n');
    await assert.rejects(submitter.run(file), (e: unknown) => e instanceof JarInspectionError && /not a jar|not a zip/i.test(e.message) && /build|choose|jar file|\.jar/i.test(e.message));
    await noJarUploaded();
  });
  test('a corrupt zip', async () => {
    const file = path.join(storeDir, 'corrupt.jar');
    const good = fs.readFileSync(keep.jar);
    fs.writeFileSync(file, good.subarray(0, Math.floor(good.length * 0.6)));
    await assert.rejects(submitter.run(file), (e: unknown) => e instanceof JarInspectionError && /corrupt|damaged|truncated/i.test(e.message) && /build|again|copy/i.test(e.message));
    await noJarUploaded();
  });
  test('a jar without a main class', async () => {
    const file = await buildJar(path.join(storeDir, 'nomain.jar'), { classes: ['org.example.Job'] });
    await assert.rejects(submitter.run(file), (e: unknown) => e instanceof JarInspectionError && /neither Main-Class nor program-class/.test(e.message) && /entry class|-c|--class/i.test(e.message));
    await noJarUploaded();
  });
  test('a jar over the JobManager\'s upload limit is accepted, as real Flink accepts it (uploads stream past rest.server.max-content-length)', async () => {
    const file = await buildJar(path.join(storeDir, 'big.jar'), { mainClass: WORDCOUNT_CLASS, extraBytes: 100 * 1024 });
    const { jarId, uploaded } = await submitter.upload(file);
    assert.ok(uploaded);
    assert.deepEqual((await client.jars()).files.map((f) => f.id), [jarId]);
    await client.deleteJar(jarId);
    await noJarUploaded();
  });
  test('a bad entry class', async () => {
    await assert.rejects(submitter.run(keep.jar, { entryClass: 'org.example.DoesNotExist' }), (e: unknown) => e instanceof JarInspectionError
      && /org\.example\.DoesNotExist is not in the jar/.test(e.message) && /WordCount|choose|one of|pick/i.test(e.message));
    await noJarUploaded();
  });
  test('program arguments with unbalanced quotes', async () => {
    await assert.rejects(submitter.run(keep.jar, { programArgs: '--input "/data/my file --output /tmp/out' }), (e: unknown) => e instanceof ProgramArgsError
      && /unbalanced|unclosed|no closing/i.test(e.message) && /quote/i.test(e.message) && /close|add|escape/i.test(e.message));
    await noJarUploaded();
  });
  test('a savepoint path that is refused', async () => {
    const io = bufferIo();
    const missing = path.join(storeDir, 'no-such-savepoint');
    const code = await runJobCommand(['run', '-m', flink.restUrl, '-s', missing, keep.jar], io, async () => flink.restUrl);
    assert.notEqual(code, 0, io.stdout + io.stderr);
    const text = io.stdout + io.stderr;
    assert.ok(text.includes(missing), text);
    assert.match(text, /Cannot find checkpoint or savepoint/);
    assert.match(text, /Check the savepoint path: it must be a savepoint folder \(or its _metadata file\) that the JobManager can read; flink-mesos savepoints lists the ones in the session's history\./, text);
    await nothingLost();
  });
  test('a JobManager address that is an HTML page', async () => {
    const server = http.createServer((_q, res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<!doctype html><html><body>Welcome to nginx!</body></html>'); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const html = new FlinkRestClient(url, { timeoutMs: 2000, retries: 0 });
    try {
      await assert.rejects(new JarSubmitter(html).run(keep.jar), (e: unknown) => e instanceof FlinkRestError && e.kind === 'notFlink'
        && e.message.includes(url) && /rest\.port|REST address/i.test(`${e.message} ${e.fix ?? ''}`));
    } finally {
      await html.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
    await nothingLost();
  });
  test('a JobManager address with a wrong port (nothing listens): fast, names the address and the fix', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const wrong = new FlinkRestClient(`127.0.0.1:${port}`, { timeoutMs: 2000, retries: 0 });
    const t0 = Date.now();
    try {
      await assert.rejects(new JarSubmitter(wrong).run(keep.jar), (e: unknown) => e instanceof FlinkRestError && e.kind === 'refused'
        && e.message.includes(`127.0.0.1:${port}`) && /start the JobManager or correct host:port|rest\.port/.test(`${e.message} ${e.fix ?? ''}`));
      assert.ok(Date.now() - t0 < 3000);
    } finally {
      await wrong.close();
    }
    await nothingLost();
  });
  test('a JobManager address that is not an address', async () => {
    assert.throws(() => new FlinkRestClient('ftp://jobmanager:8081'), /uses ftp:; Flink's REST API speaks http or https\. Give it as host:port/);
    assert.throws(() => new FlinkRestClient('  '), /The JobManager address is empty\. Give it as host:port/);
    await nothingLost();
  });
});

describe('no process left', () => {
  test('after the clusters of this file stop, no task process of theirs remains', async () => {
    const left = await tracker.stopAll();
    assert.deepEqual(left, { pids: [], inSandboxes: [] });
  });
});
