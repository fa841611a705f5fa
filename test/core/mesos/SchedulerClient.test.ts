import { describe, test, afterEach } from 'node:test';
import * as assert from 'node:assert/strict';
import { SchedulerClient, MesosError, type ConnectionState, type SchedulerClientOptions } from '../../../src/core/mesos/SchedulerClient';
import type { Logger } from '../../../src/core/log';
import type { Offer, TaskStatus } from '../../../src/core/mesos/types';
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
});
