import { afterEach, beforeEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { FlinkRestClient } from '../../../src/core/flink/FlinkRestClient';
import { FlinkRestError } from '../../../src/core/flink/FlinkRestError';
import type { JobWatchEvent } from '../../../src/core/flink/JobWatcher';
import { JobWatcher } from '../../../src/core/flink/JobWatcher';
import { FakeJobManager, sendJson } from './fakeJobManager';

const JID = 'abcdef0123456789abcdef0123456789';

/** A job that walks through the given states, one per poll (the last one repeats). */
function scriptedJob(jm: FakeJobManager, states: string[], opts: { history?: boolean } = {}) {
  let polls = 0;
  jm.on('GET', `/jobs/${JID}`, (_req, res) => {
    const state = states[Math.min(polls, states.length - 1)];
    polls++;
    sendJson(res, 200, {
      jid: JID, name: 'WordCount Example', state, 'start-time': 1000, 'end-time': ['FINISHED', 'FAILED', 'CANCELED'].includes(state) ? 3500 : -1, duration: 2500, now: 3500,
      vertices: [{ id: 'v1', name: 'Source', parallelism: 2, status: state === 'RUNNING' ? 'RUNNING' : 'FINISHED', metrics: { 'read-records': 0, 'write-records': 42, 'read-bytes': 0, 'write-bytes': 1024 } }],
      'status-counts': { RUNNING: 1 },
    });
  });
  jm.json('GET', `/jobs/${JID}/accumulators`, 200, { 'job-accumulators': [], 'user-task-accumulators': [{ name: 'num-records', type: 'IntCounter', value: '42' }] });
  jm.json('GET', `/jobs/${JID}/exceptions`, 200, opts.history === false
    ? { 'root-exception': 'java.lang.RuntimeException: legacy boom\n\tat x', timestamp: 3400, 'all-exceptions': [], truncated: false }
    : { exceptionHistory: { entries: [{ exceptionName: 'java.lang.RuntimeException', stacktrace: 'java.lang.RuntimeException: boom\n\tat a.B.map(B.java:1)', timestamp: 3400, taskName: 'Map (1/2)', taskManagerId: 'tm-1' }], truncated: false } });
  return { get polls() { return polls; } };
}

describe('JobWatcher', () => {
  let jm: FakeJobManager;
  let client: FlinkRestClient;
  beforeEach(async () => {
    jm = await FakeJobManager.start();
    client = new FlinkRestClient(jm.url, { retries: 0 });
  });
  afterEach(async () => {
    await client.close();
    await jm.stop();
  });

  test('costs nothing while nobody listens; polls while someone does; stops when they leave', async () => {
    const job = scriptedJob(jm, ['RUNNING']);
    const watcher = new JobWatcher(client, JID, { minIntervalMs: 10, maxIntervalMs: 20 });
    await sleep(80);
    assert.equal(job.polls, 0);
    assert.equal(watcher.isPolling, false);
    const onUpdate = (): void => undefined;
    watcher.on('update', onUpdate);
    const deadline = Date.now() + 3000;
    while (job.polls < 3 && Date.now() < deadline) await sleep(10);
    assert.ok(job.polls >= 3, `polled ${job.polls} times`);
    watcher.off('update', onUpdate);
    await sleep(40);
    const after = job.polls;
    await sleep(100);
    assert.ok(job.polls - after <= 0, 'no polls after the last listener left');
    assert.equal(watcher.isPolling, false);
    watcher.stop();
  });

  test('adapts its interval: slower while nothing changes, fast again after a change', async () => {
    const job = scriptedJob(jm, ['RUNNING']);
    const watcher = new JobWatcher(client, JID, { minIntervalMs: 10, maxIntervalMs: 200, backoffFactor: 2 });
    const l = (): void => undefined;
    watcher.on('update', l);
    await sleep(400);
    // 10, 20, 40, 80, 160, 200 ...: about 6-7 polls in 400 ms instead of 40 at the fastest rate.
    assert.ok(job.polls >= 2 && job.polls <= 10, `polled ${job.polls} times`);
    watcher.stop();
  });

  test('emits state changes and the final result with vertices, accumulators and exceptions', async () => {
    scriptedJob(jm, ['INITIALIZING', 'RUNNING', 'RUNNING', 'FAILED']);
    const watcher = new JobWatcher(client, JID, { minIntervalMs: 5, maxIntervalMs: 10 });
    const states: string[] = [];
    watcher.on('state', (s, prev) => states.push(`${prev ?? '-'}>${s}`));
    const result = await watcher.result();
    assert.deepEqual(states, ['->INITIALIZING', 'INITIALIZING>RUNNING', 'RUNNING>FAILED']);
    assert.equal(result.state, 'FAILED');
    assert.equal(result.durationMs, 2500);
    assert.equal(result.vertices[0].writeRecords, 42);
    assert.equal(result.vertices[0].writeBytes, 1024);
    assert.deepEqual(result.accumulators, [{ name: 'num-records', type: 'IntCounter', value: '42' }]);
    assert.equal(result.rootException?.message, 'boom');
    assert.equal(result.rootException?.exceptionName, 'java.lang.RuntimeException');
    assert.equal(result.rootException?.taskName, 'Map (1/2)');
    assert.equal(result.exceptionHistory.length, 1);
    // Later callers get the same result without polling again.
    assert.equal(await watcher.result(), result);
  });

  test('falls back to root-exception when exceptionHistory is missing', async () => {
    scriptedJob(jm, ['FAILED'], { history: false });
    const result = await new JobWatcher(client, JID, { minIntervalMs: 5 }).result();
    assert.equal(result.rootException?.message, 'legacy boom');
    assert.deepEqual(result.exceptionHistory, []);
  });

  test('async iteration yields states, updates and ends with the result', async () => {
    scriptedJob(jm, ['RUNNING', 'FINISHED']);
    const watcher = new JobWatcher(client, JID, { minIntervalMs: 5 });
    const events: JobWatchEvent['type'][] = [];
    let final: string | undefined;
    for await (const e of watcher) {
      events.push(e.type);
      if (e.type === 'result') final = e.result.state;
    }
    assert.deepEqual(events, ['state', 'update', 'state', 'update', 'result']);
    assert.equal(final, 'FINISHED');
  });

  test('an unknown job ends the watch with a clear error', async () => {
    const watcher = new JobWatcher(client, JID, { minIntervalMs: 5 });
    await assert.rejects(watcher.result(), (err: unknown) => err instanceof FlinkRestError && /does not know job/.test(err.message));
  });

  test('keeps polling through transient errors, gives up after maxConsecutiveErrors', async () => {
    let n = 0;
    jm.on('GET', `/jobs/${JID}`, (_req, res) => { n++; sendJson(res, 500, { errors: ['Internal server error.', 'flaky'] }); });
    const watcher = new JobWatcher(client, JID, { minIntervalMs: 5, maxIntervalMs: 10, maxConsecutiveErrors: 3 });
    const seen: number[] = [];
    watcher.on('pollError', (_e, k) => seen.push(k));
    await assert.rejects(watcher.result(), /flaky/);
    assert.deepEqual(seen, [1, 2, 3]);
    assert.equal(n, 3);
  });

  test('stop() rejects waiting callers and ends polling', async () => {
    const job = scriptedJob(jm, ['RUNNING']);
    const watcher = new JobWatcher(client, JID, { minIntervalMs: 10 });
    const waiting = watcher.result();
    await sleep(50);
    watcher.stop();
    await assert.rejects(waiting, /stopped/);
    const after = job.polls;
    await sleep(60);
    assert.ok(job.polls - after <= 1);
  });
});
