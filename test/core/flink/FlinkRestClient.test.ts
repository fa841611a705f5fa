import { afterEach, beforeEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { FlinkRestClient, normalizeJobManagerUrl, parseMemorySize, parsePlan } from '../../../src/core/flink/FlinkRestClient';
import { FlinkRestError, summarizeFlinkErrors } from '../../../src/core/flink/FlinkRestError';
import { multipartJarBody } from '../../../src/core/flink/jarUpload';
import type { Logger } from '../../../src/core/log';
import { FakeJobManager, sendJson } from './fakeJobManager';
import { tempDir } from './testJars';
import { freePort } from '../../helpers/freePort';

const STACK_400 = [
  'org.apache.flink.runtime.rest.handler.RestHandlerException: Jar file /tmp/flink-web-upload/abc_job.jar does not exist\n' +
    '\tat org.apache.flink.runtime.webmonitor.handlers.utils.JarHandlerUtils$JarHandlerContext.fromRequest(JarHandlerUtils.java:130)\n' +
    '\tat java.base/java.lang.Thread.run(Thread.java:829)',
];

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, debug: (m) => lines.push(`debug ${m}`), info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`) };
}


describe('normalizeJobManagerUrl', () => {
  test('accepts host:port, URLs, a trailing slash and /v1', () => {
    assert.equal(normalizeJobManagerUrl('10.0.0.5:8081'), 'http://10.0.0.5:8081');
    assert.equal(normalizeJobManagerUrl(' jm.example.org '), 'http://jm.example.org:8081');
    assert.equal(normalizeJobManagerUrl('https://jm.example.org/'), 'https://jm.example.org');
    assert.equal(normalizeJobManagerUrl('http://h:9000/v1/'), 'http://h:9000');
    assert.equal(normalizeJobManagerUrl('http://proxy/flink/'), 'http://proxy/flink');
  });
  test('refuses empty, garbage and non-http addresses with the fix', () => {
    assert.throws(() => normalizeJobManagerUrl(''), /empty.*host:port/);
    assert.throws(() => normalizeJobManagerUrl('host:notaport'), /not a valid host:port/);
    assert.throws(() => normalizeJobManagerUrl('zk://h:2181/flink'), /speaks http or https/);
  });
});

describe('error text helpers', () => {
  test('summarizeFlinkErrors takes the first line without Java class names, and the innermost cause', () => {
    const s = summarizeFlinkErrors([
      'org.apache.flink.runtime.rest.handler.RestHandlerException: Could not execute application.\n\tat x.y(Z.java:1)\n' +
        'Caused by: java.util.concurrent.CompletionException: org.apache.flink.client.program.ProgramInvocationException: The program\'s entry point class \'a.B\' was not found in the jar file.\n\tat q',
    ]);
    assert.equal(s.first, 'Could not execute application.');
    assert.equal(s.rootCause, "The program's entry point class 'a.B' was not found in the jar file.");
  });
  test('a real Flink 2.x job failure: the job\'s own exception under "Recovery is suppressed", markup kept as text', () => {
    // The shape of Flink 2.3's root-exception for a job without restarts (seen in the real-Flink UI flow).
    const s = summarizeFlinkErrors([
      'org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy\n' +
        '\tat org.apache.flink.runtime.executiongraph.failover.ExecutionFailureHandler.handleFailure(ExecutionFailureHandler.java:213)\n' +
        'Caused by: java.lang.IllegalStateException: <img src=x onerror="a()"> count is 5\n' +
        '\tat flinkmesos.testjobs.FailingJob$FailAt.map(FailingJob.java:30)\n',
    ]);
    assert.equal(s.first, 'Recovery is suppressed by NoRestartBackoffTimeStrategy');
    assert.equal(s.rootCause, '<img src=x onerror="a()"> count is 5');
  });
  test('unhandled errors: the message after "Internal server error."', () => {
    const s = summarizeFlinkErrors(['Internal server error.', '<Exception on server side:\njava.lang.NullPointerException: boom\n\tat x\n\nEnd of exception on server side>']);
    assert.equal(s.first, 'boom');
  });
  test('parseMemorySize and parsePlan', () => {
    assert.equal(parseMemorySize('104857600'), 104857600);
    assert.equal(parseMemorySize('100 mb'), 104857600);
    assert.equal(parseMemorySize('1g'), 1073741824);
    assert.ok(Number.isNaN(parseMemorySize('lots')));
    assert.deepEqual(parsePlan('{"jid":"j","nodes":[{"id":"1"}]}').nodes, [{ id: '1' }]);
    assert.deepEqual(parsePlan({ plan: { jid: 'j', nodes: [{ id: '2' }] } }).nodes, [{ id: '2' }]);
    assert.deepEqual(parsePlan({ plan: '{"nodes":[]}' }).nodes, []);
  });
});

describe('FlinkRestClient against a raw HTTP server', () => {
  let jm: FakeJobManager;
  let client: FlinkRestClient;
  let log: ReturnType<typeof recordingLogger>;
  beforeEach(async () => {
    jm = await FakeJobManager.start();
    log = recordingLogger();
    client = new FlinkRestClient(jm.url, { timeoutMs: 2000, retries: 2, retryBaseMs: 10, log });
  });
  afterEach(async () => {
    await client.close();
    await jm.stop();
  });

  test('typed reads: overview, config, TaskManagers with free-text ids, bare-array metrics', async () => {
    jm.json('GET', '/overview', 200, { taskmanagers: 2, 'slots-total': 4, 'slots-available': 3, 'jobs-running': 0, 'jobs-finished': 0, 'jobs-cancelled': 0, 'jobs-failed': 0, 'flink-version': '1.19.1' });
    jm.json('GET', '/config', 200, { 'flink-version': '1.19.1', 'refresh-interval': 3000, features: { 'web-submit': true } });
    jm.json('GET', '/taskmanagers', 200, { taskmanagers: [{ id: 'flink-tm 1/a?b#c', slotsNumber: 2, freeSlots: 1 }] });
    jm.on('GET', /^\/taskmanagers\/[^/]+\/metrics$/, (req, res) => sendJson(res, 200, [{ id: 'Status.JVM.CPU.Load', value: '0.5', url: req.url }]));
    jm.on('GET', /^\/taskmanagers\/[^/]+$/, (req, res) => sendJson(res, 200, { id: decodeURIComponent(req.url.split('/')[2]), slotsNumber: 2, freeSlots: 1, metrics: { heapUsed: 5 } }));
    const overview = await client.overview();
    assert.equal(overview['slots-available'], 3);
    assert.equal(await client.probe(), '1.19.1');
    const tms = await client.taskManagers();
    assert.equal(tms[0].id, 'flink-tm 1/a?b#c');
    const details = await client.taskManager(tms[0].id);
    assert.equal(details.id, 'flink-tm 1/a?b#c');
    assert.equal(details.metrics?.heapUsed, 5);
    const metrics = await client.taskManagerMetrics(tms[0].id, ['Status.JVM.CPU.Load']);
    assert.equal(metrics[0].value, '0.5');
    const metricsUrl = jm.requests.find((r) => r.url.includes('/metrics'))!.url;
    assert.equal(metricsUrl, '/taskmanagers/flink-tm%201%2Fa%3Fb%23c/metrics?get=Status.JVM.CPU.Load');
  });

  test('a Flink error carries the first line, the status and the endpoint; the full text goes to the log', async () => {
    jm.json('POST', /^\/jars\/.*\/run$/, 400, { errors: STACK_400 });
    await assert.rejects(client.runJar('abc_job.jar', { parallelism: 1 }), (err: unknown) => {
      assert.ok(err instanceof FlinkRestError);
      assert.equal(err.kind, 'http');
      assert.equal(err.status, 400);
      assert.equal(err.endpoint, 'POST /jars/abc_job.jar/run');
      assert.equal(err.flinkMessage, 'Jar file /tmp/flink-web-upload/abc_job.jar does not exist');
      assert.ok(err.isJarMissing);
      assert.ok(!err.message.includes('\tat '), 'no stack trace in the message');
      assert.match(err.message, /HTTP 400/);
      return true;
    });
    assert.ok(log.lines.some((l) => l.startsWith('warn') && l.includes('JarHandlerUtils.java:130')), 'full text logged');
    assert.equal(jm.requests.length, 1, 'POST is never retried');
  });

  test('GETs are retried with backoff on 503, POSTs are not', async () => {
    let calls = 0;
    jm.on('GET', '/jobs/overview', (_req, res) => {
      calls++;
      if (calls < 3) sendJson(res, 503, { errors: ['Service temporarily unavailable due to an ongoing leader election. Please refresh.'] });
      else sendJson(res, 200, { jobs: [{ jid: 'a'.repeat(32), name: 'x', state: 'RUNNING' }] });
    });
    const jobs = await client.jobsOverview();
    assert.equal(calls, 3);
    assert.equal(jobs[0].state, 'RUNNING');

    let posts = 0;
    jm.on('PATCH', /^\/jobs\//, (_req, res) => {
      posts++;
      sendJson(res, 503, { errors: ['leader election'] });
    });
    await assert.rejects(client.cancelJob('a'.repeat(32)), (err: unknown) => err instanceof FlinkRestError && err.status === 503);
    assert.equal(posts, 1);
  });

  test('cancel is PATCH ?mode=cancel', async () => {
    jm.on('PATCH', /^\/jobs\/[0-9a-f]+$/, (_req, res) => { res.writeHead(202, { 'content-type': 'application/json' }); res.end('{}'); });
    await client.cancelJob('f'.repeat(32));
    assert.equal(jm.requests[0].url, `/jobs/${'f'.repeat(32)}?mode=cancel`);
  });

  test('an HTML page is reported as "not Flink", naming the address and the fix', async () => {
    jm.on('GET', '/overview', (_req, res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<!DOCTYPE html><html><body>Welcome to nginx!</body></html>'); });
    jm.on('GET', '/jobs/overview', (_req, res) => { res.writeHead(404, { 'content-type': 'text/html' }); res.end('<html>404 Not Found</html>'); });
    for (const call of [() => client.overview(), () => client.jobsOverview()]) {
      await assert.rejects(call(), (err: unknown) => {
        assert.ok(err instanceof FlinkRestError);
        assert.equal(err.kind, 'notFlink');
        assert.ok(err.message.includes(jm.url));
        assert.match(err.message, /rest\.port, 8081 by default/);
        return true;
      });
    }
  });

  test('JSON that is not Flink\'s /config fails probe()', async () => {
    jm.json('GET', '/config', 200, { message: 'hello from another service' });
    await assert.rejects(client.probe(), (err: unknown) => err instanceof FlinkRestError && err.kind === 'notFlink');
  });

  test('a timeout names the address and the time', async () => {
    const slow = new FlinkRestClient(jm.url, { timeoutMs: 150, retries: 1, retryBaseMs: 10 });
    jm.on('GET', '/overview', () => { /* never answers */ });
    const started = Date.now();
    await assert.rejects(slow.overview(), (err: unknown) => {
      assert.ok(err instanceof FlinkRestError);
      assert.equal(err.kind, 'timeout');
      assert.match(err.message, /did not answer GET \/overview within 150 ms/);
      return true;
    });
    assert.ok(Date.now() - started < 2000);
    assert.equal(jm.requests.length, 2, 'one retry');
    await slow.close();
  });

  test('jar upload: multipart body streamed with a known length, no Expect header, progress to the last byte', async () => {
    const tmp = tempDir();
    try {
      const file = path.join(tmp.dir, 'my job.jar');
      const bytes = crypto.randomBytes(1_500_000);
      fs.writeFileSync(file, bytes);
      jm.on('POST', '/jars/upload', (_req, res) => sendJson(res, 200, { filename: '/tmp/flink-web-upload/1234-uuid_my job.jar', status: 'success' }));
      const progress: number[] = [];
      const { jarId } = await client.uploadJar(file, { onProgress: (p) => progress.push(p.sentBytes) });
      assert.equal(jarId, '1234-uuid_my job.jar');
      const req = jm.requests[0];
      assert.equal(req.headers.expect, undefined);
      const boundary = /boundary=(.+)$/.exec(String(req.headers['content-type']))![1];
      assert.equal(Number(req.headers['content-length']), req.body.length);
      const head = `--${boundary}\r\nContent-Disposition: form-data; name="jarfile"; filename="my job.jar"\r\nContent-Type: application/x-java-archive\r\n\r\n`;
      assert.equal(req.body.subarray(0, head.length).toString('latin1'), head);
      const tail = `\r\n--${boundary}--\r\n`;
      assert.equal(req.body.subarray(req.body.length - tail.length).toString('latin1'), tail);
      assert.ok(req.body.subarray(head.length, req.body.length - tail.length).equals(bytes), 'jar bytes arrive intact');
      assert.equal(progress[progress.length - 1], bytes.length);
      assert.ok(progress.length > 2, 'several progress events');
      for (let i = 1; i < progress.length; i++) assert.ok(progress[i] >= progress[i - 1]);
    } finally {
      tmp.cleanup();
    }
  });

  test('multipartJarBody: a file name without .jar gets one; quotes cannot break the header', () => {
    const b = multipartJarBody('/x/we"ird', 10, { boundary: 'B' });
    assert.equal(b.head.toString(), '--B\r\nContent-Disposition: form-data; name="jarfile"; filename="we_ird.jar"\r\nContent-Type: application/x-java-archive\r\n\r\n');
    assert.equal(b.contentLength, b.head.length + 10 + b.tail.length);
  });

  test('413 on upload names rest.server.max-content-length', async () => {
    const tmp = tempDir();
    try {
      const file = path.join(tmp.dir, 'big.jar');
      fs.writeFileSync(file, Buffer.alloc(10000));
      jm.json('POST', '/jars/upload', 413, { errors: ['Request entity too large.'] });
      await assert.rejects(client.uploadJar(file), /rest\.server\.max-content-length/);
    } finally {
      tmp.cleanup();
    }
  });

  test('run sends programArgsList, and falls back to programArgs when the JobManager refuses the field', async () => {
    jm.json('GET', '/config', 200, { 'flink-version': '1.19.1' });
    jm.on('POST', /\/run$/, (req, res) => {
      const body = JSON.parse(req.body.toString()) as Record<string, unknown>;
      if ('programArgsList' in body) return sendJson(res, 400, { errors: ['Request did not match expected format JarRunRequestBody.'] });
      sendJson(res, 200, { jobid: 'b'.repeat(32) });
    });
    const answer = await client.runJar('j.jar', { entryClass: 'a.B', programArgsList: ['x y', "it's"], parallelism: 2 });
    assert.equal(answer.jobid, 'b'.repeat(32));
    const runs = jm.requests.filter((r) => r.url.endsWith('/run')).map((r) => JSON.parse(r.body.toString()) as Record<string, unknown>);
    assert.deepEqual(runs[0], { entryClass: 'a.B', programArgsList: ['x y', "it's"], parallelism: 2 });
    assert.deepEqual(runs[1], { entryClass: 'a.B', programArgs: `"x y" "it's"`, parallelism: 2 });
    // The client remembers: the next run goes straight to programArgs.
    await client.runJar('j.jar', { programArgsList: ['z'] });
    const last = JSON.parse(jm.requests[jm.requests.length - 1].body.toString()) as Record<string, unknown>;
    assert.deepEqual(last, { programArgs: 'z' });
  });

  test('a JobManager older than 1.7 gets programArgs from the start', async () => {
    jm.json('GET', '/config', 200, { 'flink-version': '1.5.6' });
    jm.json('POST', /\/run$/, 200, { jobid: 'c'.repeat(32) });
    await client.runJar('j.jar', { programArgsList: ['a b'] });
    const run = jm.requests.find((r) => r.url.endsWith('/run'))!;
    assert.deepEqual(JSON.parse(run.body.toString()), { programArgs: '"a b"' });
  });

  test('plan: POST, or GET with query parameters when POST is not there; plan as string or object', async () => {
    jm.json('GET', '/config', 200, { 'flink-version': '1.19.1' });
    jm.json('POST', /\/plan$/, 200, { plan: { jid: 'p', name: 'WordCount', nodes: [{ id: 'n1', operator: 'Source' }] } });
    const plan = await client.planJar('j.jar', { entryClass: 'a.B', parallelism: 2 });
    assert.equal(plan.nodes[0].id, 'n1');

    jm.json('POST', /\/plan$/, 405, { errors: ['Method Not Allowed'] });
    jm.json('GET', /\/plan$/, 200, { plan: JSON.stringify({ jid: 'p', nodes: [{ id: 'n2' }] }) });
    const old = await client.planJar('j.jar', { entryClass: 'a.B', parallelism: 3, programArgsList: ['x', 'y'] });
    assert.equal(old.nodes[0].id, 'n2');
    const get = jm.requests.find((r) => r.method === 'GET' && r.url.includes('/plan'))!;
    assert.equal(get.url, '/jars/j.jar/plan?entry-class=a.B&parallelism=3&programArg=x%2Cy');
  });

  test('stop with savepoint polls the trigger until COMPLETED', async () => {
    const jid = 'd'.repeat(32);
    let polls = 0;
    jm.on('POST', `/jobs/${jid}/stop`, (req, res) => {
      assert.deepEqual(JSON.parse(req.body.toString()), { targetDirectory: 'file:///tmp/sp', drain: true });
      sendJson(res, 202, { 'request-id': 'trigger1' });
    });
    jm.on('GET', `/jobs/${jid}/savepoints/trigger1`, (_req, res) => {
      polls++;
      if (polls < 3) sendJson(res, 200, { status: { id: 'IN_PROGRESS' } });
      else sendJson(res, 200, { status: { id: 'COMPLETED' }, operation: { location: 'file:/tmp/sp/savepoint-ddd-1' } });
    });
    const location = await client.stopWithSavepoint(jid, { targetDirectory: 'file:///tmp/sp', drain: true }, { pollIntervalMs: 10 });
    assert.equal(location, 'file:/tmp/sp/savepoint-ddd-1');
    assert.equal(polls, 3);
  });

  test('a failed savepoint throws its cause', async () => {
    const jid = 'e'.repeat(32);
    jm.json('POST', `/jobs/${jid}/savepoints`, 202, { 'request-id': 't2' });
    jm.json('GET', `/jobs/${jid}/savepoints/t2`, 200, {
      status: { id: 'COMPLETED' },
      operation: { 'failure-cause': { class: 'java.util.concurrent.CompletionException', 'stack-trace': 'java.util.concurrent.CompletionException: java.io.IOException: Permission denied: /readonly\n\tat x' } },
    });
    await assert.rejects(client.savepoint(jid, { targetDirectory: '/readonly', cancelJob: false }, { pollIntervalMs: 10 }), (err: unknown) => {
      assert.ok(err instanceof FlinkRestError);
      assert.equal(err.kind, 'operation');
      assert.match(err.message, /Permission denied: \/readonly/);
      return true;
    });
    assert.deepEqual(JSON.parse(jm.requests[0].body.toString()), { 'target-directory': '/readonly', 'cancel-job': false });
  });

  test('job details accept plan as a string; exceptions without exceptionHistory are tolerated', async () => {
    const jid = 'a'.repeat(32);
    jm.json('GET', `/jobs/${jid}`, 200, { jid, name: 'n', state: 'RUNNING', vertices: [], plan: '{"jid":"x","nodes":[{"id":"v"}]}' });
    jm.json('GET', `/jobs/${jid}/exceptions`, 200, { 'root-exception': 'java.lang.RuntimeException: x', timestamp: 1, 'all-exceptions': [], truncated: false });
    const job = await client.job(jid);
    assert.equal(job.plan?.nodes[0].id, 'v');
    const exc = await client.jobExceptions(jid);
    assert.equal(exc.exceptionHistory, undefined);
    assert.equal(exc['root-exception'], 'java.lang.RuntimeException: x');
  });

  test('logs keep only their tail', async () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `line ${i}`).join('\n');
    jm.on('GET', '/jobmanager/log', (_req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end(lines); });
    const whole = await client.jobManagerLog();
    assert.equal(whole, lines);
    const tail = await client.jobManagerLog(100);
    assert.match(tail, /^\[… earlier output cut …\]\n/);
    assert.ok(tail.endsWith('line 1999'));
    assert.ok(tail.length < 150);
  });
});

describe('FlinkRestClient: addresses that are not Flink', () => {
  test('connection refused names the address and rest.port', async () => {
    const port = await freePort();
    const client = new FlinkRestClient(`127.0.0.1:${port}`, { retries: 1, retryBaseMs: 10 });
    try {
      await assert.rejects(client.overview(), (err: unknown) => {
        assert.ok(err instanceof FlinkRestError);
        assert.equal(err.kind, 'refused');
        assert.ok(err.message.includes(`http://127.0.0.1:${port}`));
        assert.match(err.message, /connection refused.*rest\.port/);
        return true;
      });
    } finally {
      await client.close();
    }
  });

  test('a port that does not speak HTTP is "not Flink"', async () => {
    const server = net.createServer((sock) => { sock.resume(); sock.end('SSH-2.0-OpenSSH_9.2\r\n'); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const client = new FlinkRestClient(`127.0.0.1:${port}`, { retries: 0, timeoutMs: 1000 });
    try {
      await assert.rejects(client.overview(), (err: unknown) => {
        assert.ok(err instanceof FlinkRestError);
        assert.ok(['notFlink', 'unreachable'].includes(err.kind), err.kind);
        assert.ok(err.message.includes(`127.0.0.1:${port}`));
        return true;
      });
    } finally {
      await client.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  test('another HTTP service answering 404 with its own JSON is "not Flink"', async () => {
    const server = http.createServer((_req, res) => sendJson(res, 404, { message: 'no such route' }));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const client = new FlinkRestClient(`http://127.0.0.1:${port}`, { retries: 0 });
    try {
      await assert.rejects(client.jars(), (err: unknown) => err instanceof FlinkRestError && err.kind === 'notFlink' && err.status === 404);
    } finally {
      await client.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  test('a jar run may take longer than an ordinary call (the JobManager runs main() inside it); an ordinary call still times out', async () => {
    const server = http.createServer((req, res) => {
      setTimeout(() => sendJson(res, 200, req.url!.endsWith('/run') ? { jobid: 'a'.repeat(32) } : { address: 'x', files: [] }), 3000);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const client = new FlinkRestClient(`http://127.0.0.1:${port}`, { retries: 0, timeoutMs: 1000 });
    try {
      assert.equal((await client.runJar('j_x.jar', { programArgsList: [] })).jobid, 'a'.repeat(32));
      await assert.rejects(client.jars(), (err: unknown) => err instanceof FlinkRestError && err.kind === 'timeout');
    } finally {
      await client.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
