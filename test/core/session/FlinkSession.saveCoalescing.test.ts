// A save copies every task of the session, so updates that arrive together must share one: 1,000 TaskManagers send
// 2,000 updates while they start, and a save per update made placing 10,000 quadratic (issue 19's placement benchmark).
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { FlinkSession, type FlinkClusterApi, type SchedulerApi } from '../../../src/core/session/FlinkSession';
import { MemorySessionStore, type SessionRecord } from '../../../src/core/session/SessionStore';
import { validateSessionOptions } from '../../../src/core/session/SessionOptions';
import { RecordingScheduler, settle, until } from './recordingScheduler';
import { offer } from './offers';

class CountingStore extends MemorySessionStore {
  saves = 0;
  override async save(record: SessionRecord): Promise<void> {
    this.saves++;
    return super.save(record);
  }
}

const noFlink: FlinkClusterApi = { overview: () => Promise.reject(new Error('none')), taskManagers: () => Promise.reject(new Error('none')) };
const open: FlinkSession[] = [];
afterEach(async () => { for (const s of open.splice(0)) await s.stop().catch(() => undefined); });

test('updates read in one turn are saved together, each acknowledged after the save that holds it', async () => {
  const m = new RecordingScheduler();
  const store = new CountingStore();
  const validated = validateSessionOptions({
    master: 'm1:5050', flink: { kind: 'home', path: '/opt/flink' }, name: 'many', taskManagers: 1000, taskManagerMemoryMb: 1024, jobManagerMemoryMb: 1024,
  });
  const s = await FlinkSession.create(validated, {
    store, createScheduler: () => m as unknown as SchedulerApi, createFlinkApi: () => noFlink, createOperatorApi: () => ({ liveTasks: async () => [] }),
    timings: { reconcileInitialMs: 60000, tickMs: 60000, flinkPollMs: 60000, subscribeTimeoutMs: 60000, stopVerifyTimeoutMs: 100 },
  });
  open.push(s);
  await s.start();
  m.subscribe();
  m.offers(Array.from({ length: 250 }, (_, i) => offer({ agent: `a${i}` })));
  await until('the launch', () => m.launched().length === 1001, 10000);
  await settle(20);
  const before = store.saves;
  const tasks = m.launched();
  // One chunk of the event stream: every task's STARTING and RUNNING, emitted in the same turn.
  for (const t of tasks) m.update(t.task_id.value, 'TASK_STARTING', { agentId: t.agent_id.value });
  for (const t of tasks) m.update(t.task_id.value, 'TASK_RUNNING', { agentId: t.agent_id.value });
  await until('every update acknowledged', () => m.of('ACKNOWLEDGE').length === 2 * tasks.length, 10000);
  const saves = store.saves - before;
  assert.ok(saves <= 3, `${saves} saves for ${2 * tasks.length} updates read in one turn`);
  const saved = await store.load('many');
  assert.equal(saved?.tasks.filter((t) => t.state === 'TASK_RUNNING').length, 1001, 'the last save holds every task RUNNING');
});
