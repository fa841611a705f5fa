// Issue 9, security at the core level: credentials never reach error messages, logs (debug on) or the session store's files;
// Authorization headers are redacted; TLS verification is on by default.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { MesosCluster } from '../standin/mesos/MesosCluster';
import { FlinkSession } from '../../src/core/session/FlinkSession';
import { FileSessionStore } from '../../src/core/session/SessionStore';
import { validateSessionOptions, type SessionOptionsInput } from '../../src/core/session/SessionOptions';
import { OperatorClient } from '../../src/core/mesos/OperatorClient';
import { runCli } from '../../src/core/cli/cli';
import type { CliIo } from '../../src/core/cli/cliIo';
import { FAST, ProcessTracker, assertGone, liveTasks, startCluster, tempDir, testLogger } from './reliabilityHarness';

const SECRET = 'S3cret-Never-Shown-9f2c';
const CREDS = { principal: 'flink', secret: SECRET };
const TOKEN = Buffer.from(`flink:${SECRET}`).toString('base64');
const WRONG = 'Wrong-Secret-Also-Hidden-77';

const tracker = new ProcessTracker();
let cluster: MesosCluster;
let dir: string;

before(async () => {
  cluster = tracker.track(await startCluster({ agents: 2, auth: [CREDS] }));
  dir = tempDir('reliability-security-');
});
after(async () => {
  await tracker.stopAll();
  fs.rmSync(dir, { recursive: true, force: true });
});

function validated(master: string, name: string, extra: Partial<SessionOptionsInput> = {}): ReturnType<typeof validateSessionOptions> {
  return validateSessionOptions({ master, name, flink: { kind: 'home', path: cluster.flinkHome }, taskManagers: 1, taskManagerMemoryMb: 1024, jobManagerMemoryMb: 1024, ...extra });
}

/** Every file under dir, as text. */
function allText(root: string): string {
  let out = '';
  for (const entry of fs.readdirSync(root, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out += fs.readFileSync(path.join(entry.parentPath, entry.name), 'utf8');
  }
  return out;
}

function assertNoSecret(text: string, where: string): void {
  for (const s of [SECRET, TOKEN, WRONG, Buffer.from(`flink:${WRONG}`).toString('base64')]) assert.ok(!text.includes(s), `a secret appears in ${where}`);
}

describe('credentials stay secret', { timeout: 90000 }, () => {
  test('a session with credentials: the debug log, the store files, the snapshot and the stop carry no secret; Authorization is redacted', async () => {
    const logs: string[] = [];
    const storeDir = path.join(dir, 'store');
    const store = new FileSessionStore(storeDir);
    const session = await FlinkSession.create(validated(cluster.masterUrls[0].replace('http://', ''), 'secure'), { store, log: testLogger(logs), timings: FAST, credentials: CREDS });
    await session.start();
    await session.waitFor((s) => s.phase === 'running', 60000, 'running');
    assert.ok(fs.readdirSync(storeDir).length > 0);
    assertNoSecret(allText(storeDir), 'the session store');
    for (const f of fs.readdirSync(storeDir)) assert.equal(fs.statSync(path.join(storeDir, f)).mode & 0o077, 0, `${f} is readable by others`);
    const frameworkId = session.frameworkId;
    await session.stop();
    await assertGone(cluster, frameworkId, store, 'secure');
    const all = logs.join('\n');
    assert.ok(logs.some((l) => l.startsWith('debug mesos > POST')), 'debug logging was on');
    assert.match(all, /"authorization":"Basic <redacted>"/);
    assertNoSecret(all, 'the debug log');
    assertNoSecret(JSON.stringify(session.snapshot()), 'the snapshot');
  });

  test('a wrong secret: the error message and the log name the principal, never the secret', async () => {
    const logs: string[] = [];
    const store = new FileSessionStore(path.join(dir, 'store-wrong'));
    const session = await FlinkSession.create(validated(cluster.masterUrls[0].replace('http://', ''), 'wrong'),
      { store, log: testLogger(logs), timings: FAST, credentials: { principal: 'flink', secret: WRONG } });
    await session.start();
    await session.whenEnded();
    assert.equal(session.phase, 'failed');
    const reason = session.snapshot().reason ?? '';
    assert.match(reason, /401 Unauthorized \(sent principal "flink"\)/);
    assertNoSecret(reason, 'the error message');
    assertNoSecret(logs.join('\n'), 'the log');
    assertNoSecret(fs.existsSync(store.dir) ? allText(store.dir) : '', 'the store');
  });

  test('the operator client with credentials and debug on: its log carries no secret', async () => {
    const logs: string[] = [];
    const op = new OperatorClient({ masters: cluster.masterUrls[0], credentials: CREDS, log: testLogger(logs) });
    try {
      await op.getTasks();
    } finally {
      await op.close();
    }
    assertNoSecret(logs.join('\n'), 'the operator client log');
  });

  test('the CLI with -v and $FLINK_MESOS_SECRET: nothing on stdout, stderr or in the store shows the secret', async () => {
    const storeDir = path.join(dir, 'cli-store');
    const io = {
      stdout: '', stderr: '', env: { FLINK_MESOS_SECRET: WRONG, FLINK_MESOS_TIMINGS: JSON.stringify(FAST) }, cwd: process.cwd(),
      out(t: string) { io.stdout += t; }, err(t: string) { io.stderr += t; }, onInterrupt: () => () => undefined,
    } satisfies CliIo & { stdout: string; stderr: string };
    const code = await runCli(['session', 'start', '-m', cluster.masterUrls[0].replace('http://', ''), '--principal', 'flink', '-n', '1', '-tm', '1024', '-jm', '1024',
      '--flink-home', cluster.flinkHome, '--name', 'cli', '--store', storeDir, '-v'], io);
    assert.notEqual(code, 0);
    assert.match(io.stderr, /\[debug\] mesos > POST/);
    assert.match(io.stderr, /401/);
    assertNoSecret(io.stdout + io.stderr, 'the CLI output');
    assertNoSecret(fs.existsSync(storeDir) ? allText(storeDir) : '', 'the CLI store');
  });
});

/** A CA and a certificate for 127.0.0.1, or undefined without openssl. */
function certificates(): { dir: string; ca: string; key: string; cert: string } | undefined {
  try { execFileSync('openssl', ['version'], { stdio: 'ignore' }); } catch { return undefined; }
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'reliability-tls-'));
  const run = (...args: string[]): void => { execFileSync('openssl', args, { cwd: d, stdio: 'ignore' }); };
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=reliability-ca');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  fs.writeFileSync(path.join(d, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf');
  const read = (f: string): string => fs.readFileSync(path.join(d, f), 'utf8');
  return { dir: d, ca: read('ca.pem'), key: read('server.key'), cert: read('server.pem') };
}

const certs = certificates();

describe('TLS verification is on by default', { skip: certs ? undefined : 'openssl is not installed', timeout: 90000 }, () => {
  let server: https.Server;
  let url: string;
  before(async () => {
    // An https front for the stand-in master, with a certificate from our own CA.
    const target = new URL(cluster.masterUrls[0]);
    server = https.createServer({ key: certs!.key, cert: certs!.cert }, (req, res) => {
      const out = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      out.on('error', () => res.destroy());
      res.on('close', () => out.destroy());
      req.pipe(out);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  after(async () => {
    server?.closeAllConnections();
    await new Promise<void>((r) => server?.close(() => r()));
    if (certs) fs.rmSync(certs.dir, { recursive: true, force: true });
  });

  test('a master with a certificate from an unknown CA is refused, fast, naming the fix; nothing is registered', async () => {
    const store = new FileSessionStore(path.join(dir, 'tls-store'));
    const t0 = Date.now();
    const session = await FlinkSession.create(validated(url, 'tls-strict'), { store, log: testLogger(), timings: FAST, credentials: CREDS });
    await session.start();
    await session.whenEnded();
    assert.equal(session.phase, 'failed');
    const reason = session.snapshot().reason ?? '';
    assert.match(reason, /failed TLS verification/);
    assert.match(reason, /Give the CA that signed the master's certificate \(the tls\.ca option\)/);
    assert.ok(Date.now() - t0 < 5000);
    assert.equal(session.frameworkId, undefined, 'no framework was registered');
    assert.equal(await store.load('tls-strict'), undefined);
  });

  test('with the CA given, the session runs over https and stops with its tasks verified gone', async () => {
    const store = new FileSessionStore(path.join(dir, 'tls-store-ca'));
    const session = await FlinkSession.create(validated(url, 'tls-ca'), { store, log: testLogger(), timings: { ...FAST, stopVerifyTimeoutMs: 1500 }, credentials: CREDS, tls: { ca: certs!.ca } });
    await session.start();
    await session.waitFor((s) => s.phase === 'running', 60000, 'running over https');
    assert.equal(session.snapshot().leaderUrl, url);
    const frameworkId = session.frameworkId;
    const result = await session.stop();
    assert.deepEqual(await liveTasks(cluster, frameworkId), []);
    assert.deepEqual(result, { leftTasks: [], verified: true }, 'the stop could check the master\'s task list over https');
  });

  test('verification turned off explicitly: accepted', async () => {
    const store = new FileSessionStore(path.join(dir, 'tls-store-off'));
    const session = await FlinkSession.create(validated(url, 'tls-off'), { store, log: testLogger(), timings: { ...FAST, stopVerifyTimeoutMs: 1500 }, credentials: CREDS, tls: { rejectUnauthorized: false } });
    await session.start();
    await session.waitFor((s) => s.connection === 'subscribed', 20000, 'subscribed with verification off');
    const frameworkId = session.frameworkId;
    const result = await session.stop();
    assert.deepEqual(await liveTasks(cluster, frameworkId), []);
    assert.deepEqual(result, { leftTasks: [], verified: true }, 'the stop could check the master\'s task list with verification off too');
  });
});

describe('no process left', () => {
  test('after the cluster of this file stops, no task process of it remains', async () => {
    const left = await tracker.stopAll();
    assert.deepEqual(left, { pids: [], inSandboxes: [] });
  });
});
