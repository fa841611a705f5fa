// flink-mesos session --ca-file / --insecure-skip-tls-verify: bad input is a usage error (exit 2) naming the file and the fix;
// a good CA reaches the scheduler client (the https master sees the SUBSCRIBE only then); skipping verification warns.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import type * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../../src/core/cli/cli';
import { FileSessionStore, type SessionRecord } from '../../../src/core/session/SessionStore';
import { validateSessionOptions } from '../../../src/core/session/SessionOptions';
import { bufferIo } from '../../helpers/bufferIo';


const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-tls-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('flink-mesos session TLS options: bad input', () => {
  const missing = path.join(dir, 'no-such-ca.pem');
  for (const sub of ['start -m https://127.0.0.1:5050 --flink-home /opt/flink', 'attach', 'status', 'stop']) {
    test(`session ${sub} --ca-file with a path that does not exist: exit 2, naming the file and the fix`, async () => {
      const io = bufferIo({ FLINK_MESOS_HOME: dir });
      const code = await runCli(['session', ...sub.split(' '), '--ca-file', missing], io);
      assert.equal(code, 2, io.stderr);
      assert.match(io.stderr, new RegExp(`--ca-file: the CA file ${missing.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} cannot be read \\(it does not exist\\)`));
      assert.match(io.stderr, /Pass the PEM file of the CA that signed the Mesos masters' certificates/);
    });
  }

  test('a folder, a file without a PEM certificate, both options at once, a missing value: exit 2 each', async () => {
    const notPem = path.join(dir, 'not.pem');
    fs.writeFileSync(notPem, 'hello\n');
    const cases: [string[], RegExp][] = [
      [['--ca-file', dir], /cannot be read \(it is a folder\)/],
      [['--ca-file', notPem], /holds no PEM certificate/],
      [['--ca-file', notPem, '--insecure-skip-tls-verify'], /contradict each other/],
      [['--ca-file'], /--ca-file needs a value/],
    ];
    for (const [extra, expected] of cases) {
      const io = bufferIo({ FLINK_MESOS_HOME: dir });
      assert.equal(await runCli(['session', 'status', ...extra], io), 2, io.stderr);
      assert.match(io.stderr, expected);
    }
  });

  test('--insecure-skip-tls-verify warns on stderr; --help lists both options', async () => {
    const io = bufferIo({ FLINK_MESOS_HOME: dir });
    assert.equal(await runCli(['session', 'status', '--insecure-skip-tls-verify', '--json'], io), 0, io.stderr);
    assert.match(io.stderr, /^warning: --insecure-skip-tls-verify: the Mesos masters' TLS certificates are not verified/);
    assert.deepEqual(JSON.parse(io.stdout), []);
    const help = bufferIo();
    assert.equal(await runCli(['--help'], help), 0);
    assert.match(help.stdout, /--ca-file FILE/);
    assert.match(help.stdout, /--insecure-skip-tls-verify/);
  });
});

/** A CA and a certificate for 127.0.0.1, or undefined without openssl. */
function certificates(): { ca: string; caFile: string; key: string; cert: string } | undefined {
  try { execFileSync('openssl', ['version'], { stdio: 'ignore' }); } catch { return undefined; }
  const d = path.join(dir, 'certs');
  fs.mkdirSync(d);
  const run = (...args: string[]): void => { execFileSync('openssl', args, { cwd: d, stdio: 'ignore' }); };
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=cli-test-ca');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  fs.writeFileSync(path.join(d, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf');
  const read = (f: string): string => fs.readFileSync(path.join(d, f), 'utf8');
  return { ca: read('ca.pem'), caFile: path.join(d, 'ca.pem'), key: read('server.key'), cert: read('server.pem') };
}

describe('flink-mesos session TLS options reach the scheduler client', { timeout: 60000 }, () => {
  const certs = certificates();
  let server: https.Server;
  let url = '';
  let requests = 0;
  const storeDir = path.join(dir, 'store');

  before(async () => {
    if (!certs) return;
    // A master that is still electing a leader: 503 to every call, so the client keeps trying until the command gives up.
    server = https.createServer({ key: certs.key, cert: certs.cert }, (req, res) => {
      requests++;
      req.resume();
      res.writeHead(503, { 'content-type': 'text/plain' }).end('no leader elected yet');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  after(async () => {
    if (server) { server.closeAllConnections(); await new Promise((r) => server.close(r)); }
  });

  async function saved(name: string): Promise<void> {
    const { options, flinkConfiguration } = validateSessionOptions({ master: url, flink: { kind: 'home', path: '/opt/flink' }, name, taskManagers: 1 });
    const now = Date.now();
    const record: SessionRecord = {
      version: 1, name, masters: options.master, frameworkId: 'fw-tls-0001', options, flinkConfiguration, phase: 'running', tasks: [],
      wantedTaskManagers: 1, nextTaskManagerNumber: 2, startedAt: now, updatedAt: now,
    };
    await new FileSessionStore(storeDir).save(record);
  }

  const env = { FLINK_MESOS_TIMINGS: JSON.stringify({ backoffInitialMs: 50, backoffMaxMs: 200, callTimeoutMs: 2000, connectTimeoutMs: 2000 }) };

  test('without a CA the master\'s certificate is refused before any request', { skip: certs ? undefined : 'openssl is not installed' }, async () => {
    await saved('no-ca');
    requests = 0;
    const io = bufferIo(env);
    const code = await runCli(['session', 'stop', '--name', 'no-ca', '--store', storeDir, '--timeout', '3'], io);
    assert.notEqual(code, 0);
    assert.match(io.stderr, /failed TLS verification/);
    assert.equal(requests, 0);
  });

  test('with --ca-file the TLS handshake succeeds and the master sees the SUBSCRIBE', { skip: certs ? undefined : 'openssl is not installed' }, async () => {
    await saved('with-ca');
    requests = 0;
    const io = bufferIo(env);
    const code = await runCli(['session', 'stop', '--name', 'with-ca', '--store', storeDir, '--timeout', '1', '--ca-file', certs!.caFile], io);
    assert.equal(code, 3, io.stderr); // no master took the subscription: unreachable, the stop recorded as pending
    assert.doesNotMatch(io.stderr, /TLS verification/);
    assert.match(io.stderr, /No Mesos master answered for session "with-ca"/);
    assert.ok(requests > 0, 'the master got requests over https');
  });

  test('with --insecure-skip-tls-verify too, with a warning', { skip: certs ? undefined : 'openssl is not installed' }, async () => {
    await saved('insecure');
    requests = 0;
    const io = bufferIo(env);
    const code = await runCli(['session', 'stop', '--name', 'insecure', '--store', storeDir, '--timeout', '1', '--insecure-skip-tls-verify'], io);
    assert.equal(code, 3, io.stderr);
    assert.match(io.stderr, /warning: --insecure-skip-tls-verify/);
    assert.doesNotMatch(io.stderr, /TLS verification failed|failed TLS verification/);
    assert.ok(requests > 0);
  });
});
