// Maintenance, the part built so far: an agent whose offers carry unavailability (its machine is in the maintenance
// schedule, as the recorded Mesos 1.12 master marks them) gets no new task; the declines and the offers now say why.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { FlinkSession, type FlinkClusterApi, type SchedulerApi } from '../../../src/core/session/FlinkSession';
import { MemorySessionStore } from '../../../src/core/session/SessionStore';
import { validateSessionOptions } from '../../../src/core/session/SessionOptions';
import type { Offer } from '../../../src/core/mesos/types';
import { RecordingScheduler, until } from './recordingScheduler';
import { offer } from './offers';

const open: FlinkSession[] = [];
afterEach(async () => { for (const s of open.splice(0)) await s.stop().catch(() => undefined); });

const flink: FlinkClusterApi = { overview: async () => ({ taskmanagers: 0, 'slots-total': 0, 'slots-available': 0 }), taskManagers: async () => [] };
const WINDOW = Date.parse('2026-12-02T03:00:00Z');
// The shape of the recording's M1.24 offer of the scheduled agent.
const scheduled = (o: Offer): Offer => ({ ...o, unavailability: { start: { nanoseconds: WINDOW * 1e6 }, duration: { nanoseconds: 60e9 } } });

test('no new task goes to an agent scheduled for maintenance; its decline says so', async () => {
  const m = new RecordingScheduler();
  const s = await FlinkSession.create(validateSessionOptions({
    master: 'm1:5050', flink: { kind: 'home', path: '/opt/flink' }, name: 'mt', taskManagers: 2, taskManagerMemoryMb: 2048, jobManagerMemoryMb: 1024, user: 'flink',
  }), {
    store: new MemorySessionStore(), timings: { tickMs: 60000, flinkPollMs: 10, runningPollMs: 20, subscribeTimeoutMs: 60000, stopVerifyTimeoutMs: 100 },
    createScheduler: () => m as unknown as SchedulerApi, createFlinkApi: () => flink, createOperatorApi: () => ({ liveTasks: async () => [] }),
  });
  open.push(s);
  await s.start();
  m.subscribe();
  m.offers([scheduled(offer({ agent: 'a1' })), offer({ agent: 'a2', cpus: 3 })]);
  await until('the launch', () => m.launched().length === 3);
  assert.ok(m.launched().every((t) => t.agent_id.value === 'a2'), m.launched().map((t) => `${t.task_id.value}@${t.agent_id.value}`).join(', '));
  const declined = s.snapshot().declinedOffers.find((d) => d.agentId === 'a1');
  assert.equal(declined?.reason, 'its machine is scheduled for maintenance from 2026-12-02T03:00:00.000Z: no new task goes there');

  // Only the scheduled agent left: nothing is placed, and the offers now name the window.
  await s.scale(3);
  m.offers([scheduled(offer({ agent: 'a1' }))]);
  await until('the diagnosis', () => /maintenance/.test(s.snapshot().diagnosis ?? ''));
  assert.equal(m.launched().length, 3);
  assert.match(s.snapshot().offersNow.find((o) => o.agentId === 'a1')?.reason ?? '', /scheduled for maintenance from 2026-12-02T03:00:00.000Z/);
});
