import { describe, test, after, afterEach } from 'node:test';
import * as assert from 'node:assert/strict';
import { SchedulerClient, MesosError, type ConnectionState, type SchedulerClientOptions } from '../../../src/core/mesos/SchedulerClient';
import type { Logger } from '../../../src/core/log';
import type { Offer, TaskStatus } from '../../../src/core/mesos/types';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { FakeMaster, nextEvent, waitFor } from './fakeMaster';


const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

async function fakeMaster(): Promise<FakeMaster> {
  const m = await FakeMaster.start();
  cleanups.push(() => m.stop());
  return m;
}

function collectingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, debug: (m) => lines.push(`D ${m}`), info: (m) => lines.push(`I ${m}`), warn: (m) => lines.push(`W ${m}`), error: (m) => lines.push(`E ${m}`) };
}

function client(opts: Partial<SchedulerClientOptions> & { masters: string }): SchedulerClient {
  const c = new SchedulerClient({
    frameworkInfo: { user: 'flink', name: 'test-framework', failover_timeout: 60 },
    backoffInitialMs: 20, backoffMaxMs: 100, callTimeoutMs: 1500, connectTimeoutMs: 1000, random: () => 0.5,
    ...opts,
  });
  cleanups.push(() => c.close());
  return c;
}

const offer: Offer = {
  id: { value: 'o1' }, framework_id: { value: 'fw-1' }, agent_id: { value: 'a1' }, hostname: 'h1',
  resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 2 } }],
};

describe('SchedulerClient against a fake master', () => {
  test('subscribes, emits events, and sends calls on another connection with the stream id', async () => {
    const m = await fakeMaster();
    let streamId = '';
    m.onSubscribe = (req, res) => { streamId = m.acceptSubscribe(req, res); m.send(res, { type: 'OFFERS', offers: { offers: [offer] } }); };
    const c = client({ masters: m.url.replace('http://', '') });
    const subscribed = nextEvent<[{ frameworkId: string; leaderUrl: string; heartbeatIntervalSeconds: number }]>(c, 'subscribed');
    const offers = nextEvent<[Offer[]]>(c, 'offers');
    c.start();
    const [info] = await subscribed;
    assert.equal(info.frameworkId, 'fw-1');
    assert.equal(info.leaderUrl, m.url);
    assert.equal(info.heartbeatIntervalSeconds, 15);
    assert.equal(c.frameworkId, 'fw-1');
    assert.equal(c.state, 'subscribed');
    assert.deepEqual((await offers)[0], [offer]);

    const sub = m.subscribes()[0];
    assert.equal(sub.headers['content-type'], 'application/json');
    assert.equal(sub.headers['mesos-stream-id'], undefined);
    assert.deepEqual(sub.json, { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'flink', name: 'test-framework', failover_timeout: 60 } } });

    await c.decline(['o1'], { refuse_seconds: 120 });
    const decline = m.calls('DECLINE')[0];
    assert.equal(decline.headers['content-type'], 'application/json');
    assert.equal(decline.headers['mesos-stream-id'], streamId);
    assert.notEqual(decline.socketPort, sub.socketPort, 'calls must use another connection than the stream');
    assert.deepEqual(decline.json, { type: 'DECLINE', framework_id: { value: 'fw-1' }, decline: { offer_ids: [{ value: 'o1' }], filters: { refuse_seconds: 120 } } });

    await c.revive(['flink']);
    assert.deepEqual(m.calls('REVIVE')[0].json, { type: 'REVIVE', framework_id: { value: 'fw-1' }, revive: { roles: ['flink'] } });
    await c.kill('t1', 'a1');
    assert.deepEqual(m.calls('KILL')[0].json, { type: 'KILL', framework_id: { value: 'fw-1' }, kill: { task_id: { value: 't1' }, agent_id: { value: 'a1' } } });
    await c.reconcile([{ taskId: 't1', agentId: 'a1' }, { taskId: 't2' }]);
    assert.deepEqual(m.calls('RECONCILE')[0].json, { type: 'RECONCILE', framework_id: { value: 'fw-1' }, reconcile: { tasks: [{ task_id: { value: 't1' }, agent_id: { value: 'a1' } }, { task_id: { value: 't2' } }] } });
    const status: TaskStatus = { task_id: { value: 't1' }, state: 'TASK_RUNNING', agent_id: { value: 'a1' }, uuid: 'g0qllII8Tuy5mdIZWnTfuw==' };
    await c.acknowledge(status);
    await c.acknowledge({ ...status, uuid: undefined });
    assert.equal(m.calls('ACKNOWLEDGE').length, 1, 'updates without uuid are not acknowledged');
    assert.deepEqual(m.calls('ACKNOWLEDGE')[0].json, { type: 'ACKNOWLEDGE', framework_id: { value: 'fw-1' }, acknowledge: { agent_id: { value: 'a1' }, task_id: { value: 't1' }, uuid: 'g0qllII8Tuy5mdIZWnTfuw==' } });
  });

  test('follows a protocol-relative 307 to the leader and re-subscribes there', async () => {
    const leader = await fakeMaster();
    const follower = await fakeMaster();
    follower.onSubscribe = (_req, res) => { res.writeHead(307, { location: `//127.0.0.1:${leader.port}/api/v1/scheduler`, 'content-length': '0' }); res.end(); };
    const c = client({ masters: `127.0.0.1:${follower.port}` });
    const [info] = await (c.start(), nextEvent<[{ leaderUrl: string }]>(c, 'subscribed'));
    assert.equal(info.leaderUrl, leader.url);
    assert.equal(c.leaderUrl, leader.url);
    assert.equal(follower.subscribes().length, 1);
    assert.equal(leader.subscribes().length, 1);
    await c.suppress();
    assert.equal(leader.calls('SUPPRESS').length, 1, 'calls go to the leader');
  });

  test('503 and refused masters are skipped for the next one in the list', async () => {
    const recovering = await fakeMaster();
    recovering.onSubscribe = (_req, res) => { res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' }); res.end('Master is recovering'); };
    const good = await fakeMaster();
    const dead = await fakeMaster();
    const deadPort = dead.port;
    await dead.stop();
    const c = client({ masters: `127.0.0.1:${deadPort},127.0.0.1:${recovering.port},127.0.0.1:${good.port}` });
    const [info] = await (c.start(), nextEvent<[{ leaderUrl: string }]>(c, 'subscribed'));
    assert.equal(info.leaderUrl, good.url);
    assert.ok(recovering.subscribes().length >= 1);
  });

  test('a single master answering 503 is retried with growing, capped backoff', async () => {
    const m = await fakeMaster();
    let n = 0;
    m.onSubscribe = (req, res) => {
      if (++n <= 4) { res.writeHead(503); res.end(); return; }
      m.acceptSubscribe(req, res);
    };
    const c = client({ masters: m.url, backoffInitialMs: 20, backoffMaxMs: 50 });
    const retries: number[] = [];
    c.on('connectionState', (state, detail) => { if (state === 'disconnected') retries.push(detail.retryInMs ?? -1); });
    await (c.start(), nextEvent(c, 'subscribed'));
    assert.deepEqual(retries, [20, 40, 50, 50]);
  });

  test('401 is fatal and asks for credentials without revealing the secret', async () => {
    const m = await fakeMaster();
    m.onSubscribe = (_req, res) => { res.writeHead(401, { 'www-authenticate': 'Basic realm="mesos-master-scheduler"', 'content-type': 'text/plain; charset=utf-8' }); res.end('401 Unauthorized.'); };
    const log = collectingLogger();
    const c = client({ masters: m.url, credentials: { principal: 'flinkp', secret: 's3cr3t-value' }, log });
    const [err] = await (c.start(), nextEvent<[MesosError]>(c, 'fatal'));
    assert.equal(err.kind, 'unauthorized');
    assert.equal(err.status, 401);
    assert.match(err.message, /flinkp/);
    assert.doesNotMatch(err.message + err.fix, /s3cr3t/);
    assert.match(err.fix, /credentials/i);
    const auth = m.subscribes()[0].headers.authorization;
    assert.equal(auth, 'Basic ' + Buffer.from('flinkp:s3cr3t-value').toString('base64'));
    assert.equal((m.subscribes()[0].json as { subscribe: { framework_info: { principal: string } } }).subscribe.framework_info.principal, 'flinkp');
    const logged = log.lines.join('\n');
    assert.match(logged, /<redacted>/);
    assert.doesNotMatch(logged, /s3cr3t/);
    assert.doesNotMatch(logged, new RegExp(Buffer.from('flinkp:s3cr3t-value').toString('base64').slice(0, 12)));
    await waitFor(() => c.state === 'closed');
    assert.equal(m.subscribes().length, 1, '401 is not retried');
  });

  test('401 without credentials says the master needs them', async () => {
    const m = await fakeMaster();
    m.onSubscribe = (_req, res) => { res.writeHead(401); res.end('401 Unauthorized.'); };
    const c = client({ masters: m.url });
    const [err] = await (c.start(), nextEvent<[MesosError]>(c, 'fatal'));
    assert.equal(err.kind, 'unauthorized');
    assert.match(err.fix, /requires HTTP authentication/);
  });

  test('400 on SUBSCRIBE is fatal and carries the master\'s text', async () => {
    const m = await fakeMaster();
    const text = "Failed to validate scheduler::Call: Authenticated principal 'p' does not match principal 'q' set in `FrameworkInfo`";
    m.onSubscribe = (_req, res) => { res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }); res.end(text); };
    const c = client({ masters: m.url });
    const [err] = await (c.start(), nextEvent<[MesosError]>(c, 'fatal'));
    assert.equal(err.kind, 'badRequest');
    assert.ok(err.message.includes(text));
    assert.match(err.fix, /principal/);
  });

  test('a Mesos agent\'s address: its 400 (agent::Call) is a final "agent, not a master", asked once', async () => {
    const m = await fakeMaster();
    m.onSubscribe = (_req, res) => { res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }); res.end("Failed to validate agent::Call: Expecting 'type' to be present."); };
    const c = client({ masters: m.url });
    const [err] = await (c.start(), nextEvent<[MesosError]>(c, 'fatal'));
    assert.equal(err.kind, 'notMaster');
    assert.equal(err.retryable, false);
    assert.match(err.message, new RegExp(`^${m.url} is a Mesos agent, not a master \\(it answered SUBSCRIBE with 400 "Failed to validate agent::Call`));
    assert.match(err.fix, /address of the Mesos master.*5050.*agents listen on 5051/);
    await waitFor(() => c.state === 'closed');
    assert.equal(m.subscribes().length, 1, 'not retried');
  });

  const pages: [string, number, Record<string, string>, string, RegExp][] = [
    ['an HTML 404 page', 404, { 'content-type': 'text/html' }, '<!DOCTYPE html>\n<html>\n<head><title>404 Not Found</title></head>\n<body>\n<h1>Not Found</h1>\n<p>The requested URL was not found.</p>\n</body></html>\n', /404 Not Found: "404 Not Found"\)$/],
    ['a 405 to POST', 405, { 'content-type': 'text/plain' }, 'Method Not Allowed\nonly GET here\n', /405 Method Not Allowed: "Method Not Allowed"\)$/],
    ['a 200 without a stream id', 200, { 'content-type': 'text/plain' }, 'hello\nworld\n', /200 OK without a Mesos-Stream-Id header: "hello"\)$/],
  ];
  for (const [what, status, headers, body, shown] of pages) {
    test(`a plain HTTP server (${what}) is "answers HTTP but is not a Mesos master", once, with one line of the body`, async () => {
      const m = await fakeMaster();
      m.onSubscribe = (_req, res) => { res.writeHead(status, headers); res.end(body); };
      const states: string[] = [];
      const c = client({ masters: m.url });
      c.on('connectionState', (state, detail) => states.push(`${state}${detail.retryInMs !== undefined ? ' retrying' : ''}`));
      const [err] = await (c.start(), nextEvent<[MesosError]>(c, 'fatal'));
      assert.equal(err.kind, 'notMaster');
      assert.match(err.message, new RegExp(`^${m.url} answers HTTP but is not a Mesos master \\(POST /api/v1/scheduler: `));
      assert.match(err.message, shown);
      assert.doesNotMatch(err.message, /\n|<html|<h1>/);
      await waitFor(() => c.state === 'closed');
      assert.equal(m.subscribes().length, 1, 'asked once, not retried');
      assert.ok(!states.some((s) => s.endsWith('retrying')), states.join(', '));
    });
  }

  test('a 503 text answer (an election) is still retried: only non-masters are final', async () => {
    const m = await fakeMaster();
    let n = 0;
    m.onSubscribe = (req, res) => { if (++n <= 2) { res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' }); res.end('No leader elected'); return; } m.acceptSubscribe(req, res); };
    const c = client({ masters: m.url });
    await (c.start(), nextEvent(c, 'subscribed'));
    assert.equal(n, 3);
  });

  test('giveUp makes a failure final: a fatal event, and no "retrying" state or log line', async () => {
    const dead = await fakeMaster();
    const port = dead.port;
    await dead.stop();
    const log = collectingLogger();
    const states: { state: string; retryInMs?: number }[] = [];
    const c = client({ masters: `127.0.0.1:${port}`, log, giveUp: (e) => /refused/.test(e.message) });
    c.on('connectionState', (state, detail) => states.push({ state, retryInMs: detail.retryInMs }));
    const [err] = await (c.start(), nextEvent<[MesosError]>(c, 'fatal'));
    assert.match(err.message, /connection to http:\/\/127\.0\.0\.1:\d+ refused/);
    await waitFor(() => c.state === 'closed');
    assert.ok(states.every((s) => s.retryInMs === undefined), JSON.stringify(states));
    assert.doesNotMatch(log.lines.join('\n'), /retrying/);
  });

  test('400 on a call rejects that call with the master\'s text and keeps the stream', async () => {
    const m = await fakeMaster();
    m.onCall = (_req, res) => { res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }); res.end("Failed to validate scheduler::Call: Expecting 'reconcile' to be present"); };
    const c = client({ masters: m.url });
    await (c.start(), nextEvent(c, 'subscribed'));
    await assert.rejects(c.reconcile([]), (e: MesosError) => e.kind === 'badRequest' && /Expecting 'reconcile'/.test(e.message));
    assert.equal(c.state, 'subscribed');
  });

  test('403 on a call re-subscribes with the framework id in both places', async () => {
    const m = await fakeMaster();
    let refused = false;
    m.onCall = (_req, res) => {
      if (!refused) { refused = true; res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' }); res.end('Framework is not subscribed'); return; }
      res.writeHead(202); res.end();
    };
    const c = client({ masters: m.url });
    await (c.start(), nextEvent(c, 'subscribed'));
    const again = nextEvent(c, 'subscribed');
    await assert.rejects(c.decline(['o1']), (e: MesosError) => e.kind === 'notSubscribed' && e.status === 403);
    await again;
    const second = m.subscribes()[1].json as { framework_id: { value: string }; subscribe: { framework_info: { id: { value: string } } } };
    assert.equal(second.framework_id.value, 'fw-1');
    assert.equal(second.subscribe.framework_info.id.value, 'fw-1');
    await c.decline(['o1']);
  });

  for (const [message, kind] of [
    ['Framework failed over', 'failedOver'],
    ['Framework has been removed', 'frameworkRemoved'],
    ["'FrameworkInfo.roles' must not be set when the framework is not MULTI_ROLE capable", 'roleRefused'],
    ["User 'root' is not allowed to run tasks", 'masterError'],
  ] as const) {
    test(`ERROR "${message}" is fatal (${kind}) with a fix`, async () => {
      const m = await fakeMaster();
      m.onSubscribe = (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'mesos-stream-id': 'x' });
        m.send(res, { type: 'ERROR', error: { message } });
        res.end();
      };
      const c = client({ masters: m.url });
      const [err] = await (c.start(), nextEvent<[MesosError]>(c, 'fatal'));
      assert.equal(err.kind, kind);
      assert.ok(err.message.includes(message));
      assert.ok(err.fix.length > 10);
      await waitFor(() => c.state === 'closed');
      assert.equal(m.subscribes().length, 1, 'not retried');
    });
  }

  const garbage: [string, (m: FakeMaster, res: import('node:http').ServerResponse) => void, RegExp][] = [
    ['a non-digit size', (_m, res) => res.end('12x\n{}'), /framing/],
    ['an oversized record', (_m, res) => res.end(`${10 * 1024 * 1024}\n{`), /exceeds the limit/],
    ['a truncated record', (_m, res) => res.end('100\n{"type":"HEART'), /ended inside a record/],
    ['invalid JSON', (m, res) => { m.sendRaw(res, '5\nnot{}'); }, /invalid JSON/],
  ];
  for (const [what, breakIt, reason] of garbage) {
    test(`garbage in the stream (${what}) is reported and the client reconnects`, async () => {
      const m = await fakeMaster();
      m.onSubscribe = (req, res) => {
        m.acceptSubscribe(req, res, { heartbeatSeconds: 15 });
        if (m.subscribes().length === 1) breakIt(m, res);
      };
      const c = client({ masters: m.url, maxRecordBytes: 1024 * 1024 });
      const states: [ConnectionState, string | undefined][] = [];
      c.on('connectionState', (s, d) => states.push([s, d.reason]));
      c.start();
      await waitFor(() => m.subscribes().length === 2 && c.state === 'subscribed', 5000, 'second subscription');
      const down = states.find(([s]) => s === 'disconnected');
      assert.ok(down, 'reported as disconnected');
      assert.match(down[1] ?? '', reason);
    });
  }

  test('silence for heartbeatMissedIntervals x interval triggers a reconnect', async () => {
    const m = await fakeMaster();
    m.onSubscribe = (req, res) => m.acceptSubscribe(req, res, { heartbeatSeconds: 0.1 });
    const c = client({ masters: m.url, heartbeatMissedIntervals: 2 });
    const started = Date.now();
    const states: [ConnectionState, string | undefined][] = [];
    c.on('connectionState', (s, d) => states.push([s, d.reason]));
    c.start();
    await waitFor(() => m.subscribes().length >= 2, 3000, 're-subscription after silence');
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 190, `waited ${elapsed} ms, the bound is 200 ms`);
    assert.ok(elapsed < 1500, `reconnected after ${elapsed} ms`);
    assert.match(states.find(([s]) => s === 'disconnected')?.[1] ?? '', /No event .* for 200 ms/);
  });

  test('heartbeats keep the stream alive', async () => {
    const m = await fakeMaster();
    let timer: NodeJS.Timeout | undefined;
    m.onSubscribe = (req, res) => {
      m.acceptSubscribe(req, res, { heartbeatSeconds: 0.1 });
      timer = setInterval(() => m.send(res, { type: 'HEARTBEAT' }), 50);
    };
    cleanups.push(async () => clearInterval(timer));
    const c = client({ masters: m.url, heartbeatMissedIntervals: 2 });
    await (c.start(), nextEvent(c, 'subscribed'));
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(m.subscribes().length, 1);
    assert.equal(c.state, 'subscribed');
  });

  test('unknown event types are logged at debug and ignored', async () => {
    const m = await fakeMaster();
    m.onSubscribe = (req, res) => {
      m.acceptSubscribe(req, res);
      m.send(res, { type: 'SOMETHING_NEW', something_new: { x: 1 } });
      m.send(res, { type: 'OFFERS', offers: { offers: [offer] } });
    };
    const log = collectingLogger();
    const c = client({ masters: m.url, log });
    const offers = nextEvent(c, 'offers');
    c.start();
    await offers;
    assert.ok(log.lines.some((l) => l.startsWith('D ') && l.includes('SOMETHING_NEW')));
    assert.equal(c.state, 'subscribed');
    assert.equal(m.subscribes().length, 1);
  });

  test('the stream ending makes the client re-subscribe with its framework id', async () => {
    const m = await fakeMaster();
    m.onSubscribe = (req, res) => { m.acceptSubscribe(req, res); if (m.subscribes().length === 1) setTimeout(() => res.end(), 20); };
    const c = client({ masters: m.url });
    c.start();
    await waitFor(() => m.subscribes().length === 2 && c.state === 'subscribed');
    assert.equal((m.subscribes()[1].json as { framework_id: { value: string } }).framework_id.value, 'fw-1');
  });

  test('an unreachable master is reported as disconnected, retrying; nothing hangs', async () => {
    const dead = await fakeMaster();
    const port = dead.port;
    await dead.stop();
    const c = client({ masters: `127.0.0.1:${port}` });
    const down = nextEvent<[ConnectionState, { reason?: string; retryInMs?: number }]>(c, 'connectionState', 3000);
    c.start();
    let [state, detail] = await down;
    if (state === 'connecting') [state, detail] = await nextEvent<[ConnectionState, { reason?: string; retryInMs?: number }]>(c, 'connectionState', 3000);
    assert.equal(state, 'disconnected');
    assert.match(detail.reason ?? '', /refused/);
    assert.ok((detail.retryInMs ?? 0) > 0);
    const t = Date.now();
    await c.close();
    assert.ok(Date.now() - t < 1000);
    assert.equal(c.state, 'closed');
  });

  test('a call that gets no answer times out', async () => {
    const m = await fakeMaster();
    m.onCall = () => { /* never answers */ };
    const c = client({ masters: m.url, callTimeoutMs: 300 });
    await (c.start(), nextEvent(c, 'subscribed'));
    const t = Date.now();
    await assert.rejects(c.kill('t1'), (e: MesosError) => e.kind === 'timeout');
    assert.ok(Date.now() - t < 1500);
  });

  test('close() drops the stream without TEARDOWN; teardown() sends it and does not reconnect', async () => {
    const m = await fakeMaster();
    m.onCall = (req, res) => {
      res.writeHead(202); res.end();
      if (req.json?.type === 'TEARDOWN') for (const s of m.streams) s.end();
    };
    const c1 = client({ masters: m.url });
    await (c1.start(), nextEvent(c1, 'subscribed'));
    await c1.close();
    assert.equal(c1.state, 'closed');
    assert.equal(m.calls('TEARDOWN').length, 0);

    const c2 = client({ masters: m.url, frameworkInfo: { user: 'flink', name: 'test-framework', id: { value: 'fw-1' } } });
    await (c2.start(), nextEvent(c2, 'subscribed'));
    assert.equal(c2.frameworkId, 'fw-1');
    await c2.teardown();
    assert.equal(c2.state, 'closed');
    assert.equal(m.calls('TEARDOWN').length, 1);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(m.subscribes().length, 2);
  });

  test('calls made before SUBSCRIBED wait for it', async () => {
    const m = await fakeMaster();
    const c = client({ masters: m.url });
    c.start();
    await c.revive();
    assert.equal(m.calls('REVIVE').length, 1);
  });

  test('a master that accepts the connection but never answers is a clear timeout, not a hang', async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => { sockets.push(socket); });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }));
    const port = (server.address() as net.AddressInfo).port;
    const c = client({ masters: `127.0.0.1:${port}`, callTimeoutMs: 300 });
    const reasons: string[] = [];
    c.on('connectionState', (s, d) => { if (s === 'disconnected') reasons.push(d.reason ?? ''); });
    c.start();
    await waitFor(() => reasons.length > 0, 3000, 'the timeout');
    assert.match(reasons[0], /did not answer within 300 ms/);
  });
});

/** A CA and a server certificate for 127.0.0.1 made with openssl, or undefined when openssl is missing. */
function makeCertificates(): { dir: string; ca: string; key: string; cert: string } | undefined {
  try { execFileSync('openssl', ['version'], { stdio: 'ignore' }); } catch { return undefined; }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesos-tls-'));
  const run = (...args: string[]): void => { execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' }); };
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=test-ca');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  fs.writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf');
  const read = (f: string): string => fs.readFileSync(path.join(dir, f), 'utf8');
  return { dir, ca: read('ca.pem'), key: read('server.key'), cert: read('server.pem') };
}

const certificates = makeCertificates();

describe('SchedulerClient over https', { skip: certificates ? undefined : 'openssl is not installed' }, () => {
  const certs = certificates!;
  after(() => fs.rmSync(certs.dir, { recursive: true, force: true }));
  test('verifies the master against a custom CA', async () => {
    const m = await FakeMaster.start({ tls: { key: certs.key, cert: certs.cert } });
    cleanups.push(() => m.stop());
    const c = client({ masters: m.url, tls: { ca: certs.ca } });
    const [info] = await (c.start(), nextEvent<[{ leaderUrl: string }]>(c, 'subscribed'));
    assert.equal(info.leaderUrl, m.url);
    await c.suppress();
    assert.equal(m.calls('SUPPRESS').length, 1);
  });

  test('plain host:port uses https when TLS options are given', async () => {
    const m = await FakeMaster.start({ tls: { key: certs.key, cert: certs.cert } });
    cleanups.push(() => m.stop());
    const c = client({ masters: `127.0.0.1:${m.port}`, tls: { ca: certs.ca } });
    const [info] = await (c.start(), nextEvent<[{ leaderUrl: string }]>(c, 'subscribed'));
    assert.equal(info.leaderUrl, `https://127.0.0.1:${m.port}`);
  });

  test('an unknown CA is refused by default (fatal, with a fix), and accepted only when verification is turned off', async () => {
    const m = await FakeMaster.start({ tls: { key: certs.key, cert: certs.cert } });
    cleanups.push(() => m.stop());
    const strict = client({ masters: m.url });
    const [err] = await (strict.start(), nextEvent<[MesosError]>(strict, 'fatal'));
    assert.equal(err.kind, 'unreachable');
    assert.match(err.message, /TLS verification/);
    assert.match(err.fix, /tls\.ca/);
    assert.equal(m.subscribes().length, 0);
    const lax = client({ masters: m.url, tls: { rejectUnauthorized: false } });
    await (lax.start(), nextEvent(lax, 'subscribed'));
  });
});
