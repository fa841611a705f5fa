// How a session reads connection failures before its first subscription, against a scripted scheduler client:
// fail fast only when no master listens at all; errors that end the client (401, a refused role, TLS) keep their own fix.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FlinkSession, type SchedulerApi } from '../../../src/core/session/FlinkSession';
import { MemorySessionStore } from '../../../src/core/session/SessionStore';
import { validateSessionOptions } from '../../../src/core/session/SessionOptions';
import { MesosError, errorEventToMesosError, type SchedulerClientEvents } from '../../../src/core/mesos/SchedulerClient';

const flinkHome = fs.mkdtempSync(path.join(os.tmpdir(), 'session-conn-'));
fs.mkdirSync(path.join(flinkHome, 'bin'));
fs.mkdirSync(path.join(flinkHome, 'conf'));
after(() => fs.rmSync(flinkHome, { recursive: true, force: true }));

/** A scheduler client that only does what the test tells it. */
class ScriptedScheduler extends EventEmitter<SchedulerClientEvents> {
  state: SchedulerApi['state'] = 'disconnected';
  frameworkId: string | undefined = undefined;
  leaderUrl: string | undefined = undefined;
  start(): void { this.state = 'connecting'; }
  async close(): Promise<void> { this.state = 'closed'; }
  async accept(): Promise<void> {}
  async decline(): Promise<void> {}
  async kill(): Promise<void> {}
  async acknowledge(): Promise<void> {}
  async reconcile(): Promise<void> {}
  async revive(): Promise<void> {}
  async suppress(): Promise<void> {}
  async teardown(): Promise<void> {}
  /** A failure the real client retries: 'disconnected' with the delay. */
  retried(reason: string): void { this.emit('connectionState', 'disconnected', { reason, retryInMs: 100 }); }
  /** A failure that ends the real client: 'fatal' first, then the final 'disconnected' (no retry delay). */
  fatal(err: MesosError): void {
    this.emit('fatal', err);
    this.emit('connectionState', 'disconnected', { reason: err.describe() });
  }
}

async function session(): Promise<{ session: FlinkSession; scheduler: ScriptedScheduler; store: MemorySessionStore }> {
  const scheduler = new ScriptedScheduler();
  const store = new MemorySessionStore();
  const validated = validateSessionOptions({ master: 'm1:5050,m2:5050', flink: { kind: 'home', path: flinkHome }, taskManagers: 1, name: 'conn' });
  const s = await FlinkSession.create(validated, {
    store, timings: { subscribeTimeoutMs: 60000, tickMs: 60000 },
    createScheduler: () => scheduler as unknown as SchedulerApi, createOperatorApi: () => ({ liveTasks: async () => [] }),
  });
  await s.start();
  return { session: s, scheduler, store };
}

const CHECK_MASTER = /Check the master address \(-m\)/;

describe('connection failures before the first subscription', () => {
  test('every master refuses the connection: fails at once, naming the master address as the fix', async () => {
    const { session: s, scheduler, store } = await session();
    scheduler.retried('No Mesos master took the subscription: SUBSCRIBE: connection to http://m1:5050 refused; SUBSCRIBE: the host of http://m2:5050 cannot be resolved');
    await s.whenEnded();
    assert.equal(s.phase, 'failed');
    assert.match(s.snapshot().reason ?? '', /connection to http:\/\/m1:5050 refused.*cannot be resolved.*Check the master address \(-m\)/);
    assert.equal(await store.load('conn'), undefined);
  });

  test('one master refuses, another answers 503 (an election): keeps retrying', async () => {
    const { session: s, scheduler } = await session();
    scheduler.retried('No Mesos master took the subscription: SUBSCRIBE: connection to http://m1:5050 refused; http://m2:5050 answered 503 (no leader elected yet, or the master is still recovering)');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(s.phase, 'subscribing');
    await s.stop();
  });

  test('a 401 that mentions "refused" gets the credentials fix, not the master address', async () => {
    const { session: s, scheduler } = await session();
    scheduler.fatal(new MesosError('unauthorized', 'The Mesos master at http://m1:5050 refused the subscription with 401 Unauthorized (sent no credentials)',
      'The master requires HTTP authentication: set a principal and secret (Set Mesos Credentials).', { status: 401 }));
    await s.whenEnded();
    const reason = s.snapshot().reason ?? '';
    assert.match(reason, /401 Unauthorized.*set a principal and secret/);
    assert.doesNotMatch(reason, CHECK_MASTER);
  });

  test('a 401 whose final state change comes before the fatal event still gets the credentials fix', async () => {
    const { session: s, scheduler } = await session();
    const err = new MesosError('unauthorized', 'The Mesos master at http://m1:5050 refused the subscription with 401 Unauthorized (sent no credentials)',
      'The master requires HTTP authentication: set a principal and secret (Set Mesos Credentials).', { status: 401 });
    scheduler.emit('connectionState', 'disconnected', { reason: err.describe() });
    scheduler.emit('fatal', err);
    await s.whenEnded();
    assert.match(s.snapshot().reason ?? '', /set a principal and secret/);
    assert.doesNotMatch(s.snapshot().reason ?? '', CHECK_MASTER);
  });

  test('the same 401 text in a retried state change (no fatal) does not end the session', async () => {
    const { session: s, scheduler } = await session();
    scheduler.retried('The Mesos master at http://m1:5050 refused the subscription with 401 Unauthorized (sent no credentials)');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(s.phase, 'subscribing');
    await s.stop();
  });

  test('a refused role gets the role fix', async () => {
    const { session: s, scheduler } = await session();
    scheduler.fatal(errorEventToMesosError('Role "bad role" is not valid'));
    await s.whenEnded();
    const reason = s.snapshot().reason ?? '';
    assert.match(reason, /refused the framework's role.*Use a role the master allows/);
    assert.doesNotMatch(reason, CHECK_MASTER);
  });

  test('a TLS failure gets the CA fix', async () => {
    const { session: s, scheduler } = await session();
    scheduler.fatal(new MesosError('unreachable', 'SUBSCRIBE at https://m1:5050 failed TLS verification (SELF_SIGNED_CERT_IN_CHAIN: self-signed certificate)',
      'Give the CA that signed the master\'s certificate (the tls.ca option), or use the right host name or scheme; turn verification off only if you accept the risk.'));
    await s.whenEnded();
    const reason = s.snapshot().reason ?? '';
    assert.match(reason, /failed TLS verification.*Give the CA/);
    assert.doesNotMatch(reason, CHECK_MASTER);
  });
});
