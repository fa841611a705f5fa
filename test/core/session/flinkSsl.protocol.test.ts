// Flink TLS at the protocol level: the security.ssl.* -D words, the stores fetched with each task (CommandInfo.uris), the
// password in the task's environment and nowhere else (not the command, not the store, not the log), the https JobManager
// URL; and the options' bad inputs.
import { test, describe, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FlinkSession, type FlinkClusterApi, type SchedulerApi } from '../../../src/core/session/FlinkSession';
import { MemorySessionStore } from '../../../src/core/session/SessionStore';
import { SessionOptionError, parseSessionStartArgs, validateSessionOptions, type SessionOptionsInput } from '../../../src/core/session/SessionOptions';
import type { TaskInfo } from '../../../src/core/mesos/types';
import { redact } from '../../../src/core/log';
import { RecordingScheduler, until } from './recordingScheduler';
import { offer } from './offers';
import { opensslCerts } from '../../harness/tlsCerts';

const open: FlinkSession[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.stop().catch(() => undefined);
});

const flink: FlinkClusterApi = { overview: async () => ({ taskmanagers: 0, 'slots-total': 0, 'slots-available': 0 }), taskManagers: async () => [] };
const PASSWORD = "s3cret pa$$ 'word'";

async function session(input: Partial<SessionOptionsInput>, password: string | null | (() => string | undefined) = PASSWORD) {
  const m = new RecordingScheduler();
  const store = new MemorySessionStore();
  const logged: string[] = [];
  const log = { debug: (t: string) => logged.push(redact(t)), info: (t: string) => logged.push(redact(t)), warn: (t: string) => logged.push(redact(t)), error: (t: string) => logged.push(redact(t)) };
  const validated = validateSessionOptions({
    master: 'm1:5050', flink: { kind: 'home', path: '/opt/flink' }, name: 'tls', taskManagers: 1, taskManagerMemoryMb: 2048, jobManagerMemoryMb: 1024,
    user: 'flink', ...input,
  });
  const s = await FlinkSession.create(validated, {
    store, log,
    flinkSslPassword: (name) => (name !== (input.sslPasswordEnv ?? 'FLINK_SSL_PASSWORD') ? undefined : typeof password === 'function' ? password() : password ?? undefined),
    timings: { reconcileInitialMs: 20, reconcileMaxMs: 80, tickMs: 60000, flinkPollMs: 10, runningPollMs: 20, subscribeTimeoutMs: 60000, stopVerifyTimeoutMs: 100 },
    createScheduler: () => m as unknown as SchedulerApi,
    createFlinkApi: () => flink,
    createOperatorApi: () => ({ liveTasks: async () => [] }),
  });
  open.push(s);
  await s.start();
  m.subscribe();
  return { s, m, store, logged };
}

/** The -D words of a command, with the shell's quoting undone: key -> [value, how it was quoted]. */
function dWords(t: TaskInfo): Map<string, { value: string; quote: string }> {
  const out = new Map<string, { value: string; quote: string }>();
  const re = / -D (?:"([^"=]+)=([^"]*)"|'([^'=]+)=((?:[^']|'\\'')*)'|([^\s'"=]+)=(\S*))/g;
  for (const m of (t.command?.value ?? '').matchAll(re)) {
    if (m[1]) out.set(m[1], { value: m[2], quote: '"' });
    else if (m[3]) out.set(m[3], { value: m[4].replace(/'\\''/g, "'"), quote: "'" });
    else out.set(m[5], { value: m[6], quote: '' });
  }
  return out;
}

describe('Flink TLS in the TaskInfos', () => {
  test('internal and REST TLS: every task fetches the stores given as URIs, finds the others on the agent, and gets the password in its environment only', async () => {
    const { s, m, store, logged } = await session({
      sslKeystore: 'https://vault.example/flink/internal.jks', sslTruststore: 'https://vault.example/flink/internal.jks',
      sslRestKeystore: '/etc/flink/ssl/rest.p12', sslRestTruststore: 'hdfs://nn/flink/rest-trust.p12',
    });
    m.offers([offer({ agent: 'a1', hostname: 'agent1.example' }), offer({ agent: 'a2', hostname: 'agent2.example' })]);
    await until('the launch', () => m.launched().length === 2);
    for (const t of m.launched()) {
      const d = dWords(t);
      const get = (k: string): string | undefined => d.get(k)?.value;
      assert.equal(get('security.ssl.internal.enabled'), 'true', t.task_id.value);
      assert.equal(get('security.ssl.rest.enabled'), 'true');
      assert.equal(get('security.ssl.internal.keystore'), '$MESOS_SANDBOX/flink-ssl-keystore.jks');
      assert.equal(get('security.ssl.internal.truststore'), '$MESOS_SANDBOX/flink-ssl-keystore.jks', 'the same URI is fetched once');
      assert.equal(get('security.ssl.rest.keystore'), '/etc/flink/ssl/rest.p12', 'a path on the agent stays as it is');
      assert.equal(get('security.ssl.rest.truststore'), '$MESOS_SANDBOX/flink-ssl-rest-truststore.p12');
      for (const k of ['internal.keystore-password', 'internal.key-password', 'internal.truststore-password', 'rest.keystore-password', 'rest.key-password', 'rest.truststore-password']) {
        assert.deepEqual(d.get(`security.ssl.${k}`), { value: '$FLINK_MESOS_SSL_PASSWORD', quote: '"' }, `${k}: the variable, expanded by the task's shell`);
      }
      assert.equal(d.get('security.ssl.internal.keystore')?.quote, '"', 'the sandbox path is expanded too');
      assert.deepEqual(t.command?.uris, [
        { value: 'https://vault.example/flink/internal.jks', extract: false, cache: false, executable: false, output_file: 'flink-ssl-keystore.jks' },
        { value: 'hdfs://nn/flink/rest-trust.p12', extract: false, cache: false, executable: false, output_file: 'flink-ssl-rest-truststore.p12' },
      ]);
      assert.deepEqual(t.command?.environment?.variables.find((v) => v.name === 'FLINK_MESOS_SSL_PASSWORD'), { name: 'FLINK_MESOS_SSL_PASSWORD', value: PASSWORD });
      assert.ok(!t.command!.value!.includes('s3cret'), 'the command line holds no password');
    }
    const jm = m.launched().find((t) => t.task_id.value.startsWith('jobmanager-'))!;
    const host = jm.agent_id.value === 'a1' ? 'agent1.example' : 'agent2.example';
    assert.match(s.snapshot().jobManagerUrl ?? '', new RegExp(`^https://${host.replace(/\./g, '\\.')}:\\d+$`), 'the JobManager is https');
    const saved = JSON.stringify(await store.load('tls'));
    assert.ok(!saved.includes('s3cret'), 'the stored session holds no password');
    assert.match(saved, /"passwordEnv":"FLINK_SSL_PASSWORD"/, 'only the variable\'s name is stored');
    assert.ok(logged.length > 0 && logged.every((l) => !l.includes('s3cret')), 'the log holds no password');
  });

  test('the log masks the password in a logged ACCEPT (the scheduler client logs its calls through redact)', () => {
    const body = JSON.stringify({ type: 'ACCEPT', accept: { operations: [{ launch: { task_infos: [{ command: { environment: { variables: [
      { name: 'FLINK_MESOS_SESSION', value: 'tls' }, { name: 'FLINK_MESOS_SSL_PASSWORD', value: 'p"w\\ s3cret' }] } } }] } }] } });
    const shown = redact(body);
    assert.ok(!shown.includes('s3cret'), shown);
    assert.match(shown, /"name":"FLINK_MESOS_SSL_PASSWORD","value":"<redacted>"/);
    assert.match(shown, /"name":"FLINK_MESOS_SESSION","value":"tls"/, 'other variables stay');
  });

  test('the shell expands the words as Flink must read them: the password with spaces, quotes and $ intact, the sandbox path resolved', async () => {
    const { m } = await session({ sslKeystore: 'file:///keys/flink.jks', sslTruststore: '/keys/trust.jks' });
    m.offers([offer({ agent: 'a1' })]);
    await until('the launch', () => m.launched().length === 2);
    const jm = m.launched().find((t) => t.task_id.value.startsWith('jobmanager-'))!;
    // Flink's script replaced by printing its arguments one a line (the words after the last start).
    const start = 'exec "$FLINK_HOME/bin/jobmanager.sh" start-foreground';
    const value = jm.command!.value!;
    const command = `printf "%s\\n"${value.slice(value.lastIndexOf(start) + start.length)}`;
    const sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'ssl-words-'));
    try {
      const { execFileSync } = await import('node:child_process');
      const out = execFileSync('/bin/sh', ['-c', command], { env: { PATH: process.env.PATH, MESOS_SANDBOX: sandbox, FLINK_HOME: '/nonexistent', FLINK_MESOS_SSL_PASSWORD: PASSWORD }, encoding: 'utf8' });
      const args = out.split('\n');
      assert.ok(args.includes(`security.ssl.internal.keystore-password=${PASSWORD}`), out);
      assert.ok(args.includes(`security.ssl.internal.keystore=${sandbox}/flink-ssl-keystore.jks`), out);
      assert.ok(args.includes('security.ssl.internal.truststore=/keys/trust.jks'), out);
      assert.ok(args.includes('security.ssl.rest.enabled=true'), out);
    } finally {
      fs.rmSync(sandbox, { recursive: true, force: true });
    }
  });

  test('internal TLS alone: REST stays http, no REST keys', async () => {
    const { s, m } = await session({ sslConnections: 'internal', sslKeystore: '/k.jks', sslTruststore: '/t.jks' });
    m.offers([offer({ agent: 'a1' })]);
    await until('the launch', () => m.launched().length === 2);
    const d = dWords(m.launched()[0]);
    assert.equal(d.get('security.ssl.internal.enabled')?.value, 'true');
    assert.equal(d.get('security.ssl.rest.enabled')?.value, 'false');
    assert.equal(d.get('security.ssl.rest.keystore'), undefined);
    assert.equal(m.launched()[0].command?.uris, undefined, 'nothing fetched for stores on the agents');
    assert.match(s.snapshot().jobManagerUrl ?? '', /^http:\/\//);
  });

  test('without TLS options nothing changes: no security.ssl key, no password variable', async () => {
    const { m } = await session({}, null);
    m.offers([offer({ agent: 'a1' })]);
    await until('the launch', () => m.launched().length === 2);
    assert.doesNotMatch(m.launched()[0].command!.value!, /security\.ssl/);
    assert.ok(!m.launched()[0].command!.environment!.variables.some((v) => v.name === 'FLINK_MESOS_SSL_PASSWORD'));
  });

  test('TLS without the password in the environment: the start fails before registering, naming the variable', async () => {
    await assert.rejects(session({ sslKeystore: '/k.jks', sslTruststore: '/t.jks', sslPasswordEnv: 'MY_STORE_PW' }, null),
      (e: Error) => e instanceof SessionOptionError && /MY_STORE_PW is empty/.test(e.message) && /Set MY_STORE_PW/.test(e.message));
  });

  test('a client that lost the password (an attach for a stop) launches nothing: offers declined, the diagnosis names the variable; the stop works', async () => {
    let password: string | undefined = PASSWORD;
    const { s, m } = await session({ sslKeystore: '/k.jks', sslTruststore: '/t.jks', taskManagers: 1 }, () => password);
    m.offers([offer({ agent: 'a1' })]);
    await until('the launch', () => m.launched().length === 2);
    password = undefined;
    const tm = m.launched().find((t) => t.task_id.value.startsWith('taskmanager-'))!;
    m.update(tm.task_id.value, 'TASK_FAILED', { agentId: 'a1', message: 'planted' });
    m.offers([offer({ agent: 'a2' })]);
    await until('the offer declined', () => m.calls.some((c) => c.type === 'DECLINE'));
    assert.equal(m.launched().length, 2, 'no replacement without the password');
    await until('the diagnosis', () => /FLINK_SSL_PASSWORD is empty/.test(s.snapshot().diagnosis ?? ''));
    const stop = await s.stop();
    assert.deepEqual(stop.leftTasks, []);
  });
});

describe('Flink TLS options', () => {
  const base = { master: 'm1:5050', flink: { kind: 'home' as const, path: '/opt/flink' }, user: 'flink' };
  const bad = (input: Partial<SessionOptionsInput>, flag: string, re: RegExp): void => {
    assert.throws(() => validateSessionOptions({ ...base, ...input }), (e: Error) => e instanceof SessionOptionError && e.message.includes(flag) && re.test(e.message), JSON.stringify(input));
  };

  test('the command line flags reach the options', () => {
    const certs = opensslCerts(fs.mkdtempSync(path.join(os.tmpdir(), 'ssl-opts-')), ['IP:127.0.0.1']);
    const { input, rest } = parseSessionStartArgs(['-m', 'm1:5050', '--flink-home', '/opt/flink', '--flink-ssl-keystore', 'https://h/k.jks', '--flink-ssl-truststore', '/t.jks',
      '--flink-ssl-connections', 'rest,internal', '--flink-ssl-password-env', 'PW', '--flink-rest-ca', certs.caPem, '--flink-ssl-rest-keystore=/r.p12']);
    assert.deepEqual(rest, []);
    const { options } = validateSessionOptions({ ...input, user: 'flink' });
    assert.deepEqual(options.flinkSsl, { connections: ['rest', 'internal'], keystore: 'https://h/k.jks', truststore: '/t.jks', restKeystore: '/r.p12', passwordEnv: 'PW', restCaFile: certs.caPem });
  });

  test('bad inputs: each names the flag and the fix', () => {
    bad({ sslTruststore: '/t.jks' }, '--flink-ssl-keystore', /without a keystore/);
    bad({ sslKeystore: 'keys/k.jks', sslTruststore: '/t.jks' }, '--flink-ssl-keystore', /neither a URI nor an absolute path/);
    bad({ sslKeystore: '/k.jks' }, '--flink-ssl-truststore', /internal TLS is mutual/);
    bad({ sslKeystore: '/k.jks', sslTruststore: '/t.jks', sslConnections: 'internal,web' }, '--flink-ssl-connections', /"web" is not one of Flink's TLS connections/);
    bad({ sslKeystore: '/k.jks', sslTruststore: '/t.jks', sslConnections: 'internal', flinkRestCa: '/ca.pem' }, '--flink-rest-ca', /REST TLS, which --flink-ssl-connections leaves off/);
    bad({ sslKeystore: '/k.jks', sslTruststore: '/t.jks', sslPasswordEnv: 'MY-PW' }, '--flink-ssl-password-env', /not an environment variable name/);
    bad({ sslKeystore: '/k.jks', sslTruststore: '/t.jks', flinkRestCa: '/nonexistent/ca.pem' }, '--flink-rest-ca', /cannot be read \(it does not exist\)/);
    bad({ sslKeystore: "/k'.jks", sslTruststore: '/t.jks' }, '--flink-ssl-keystore', /quotes/);
    // REST TLS alone needs no truststore.
    assert.deepEqual(validateSessionOptions({ ...base, sslConnections: 'rest', sslKeystore: '/k.jks' }).options.flinkSsl, { connections: ['rest'], keystore: '/k.jks', passwordEnv: 'FLINK_SSL_PASSWORD' });
  });
});
