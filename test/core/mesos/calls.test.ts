import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as calls from '../../../src/core/mesos/calls';
import type { TaskInfo } from '../../../src/core/mesos/types';

describe('call builders', () => {
  test('SUBSCRIBE without an id has no framework_id anywhere', () => {
    assert.deepEqual(calls.subscribeCall({ user: 'u', name: 'n', id: { value: '' } }), { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'n' } } });
  });

  test('re-SUBSCRIBE carries the id at the top and in framework_info', () => {
    const c = calls.subscribeCall({ user: 'u', name: 'n', id: { value: 'fw' }, roles: ['r'], capabilities: [{ type: 'MULTI_ROLE' }] });
    assert.deepEqual(c.framework_id, { value: 'fw' });
    assert.deepEqual(c.subscribe?.framework_info.id, { value: 'fw' });
  });

  test('SUBSCRIBE needs user and name', () => {
    assert.throws(() => calls.subscribeCall({ user: '', name: 'n' }), /user is required/);
    assert.throws(() => calls.subscribeCall({ user: 'u', name: '' }), /name is required/);
  });

  test('every other call needs the framework id', () => {
    assert.throws(() => calls.declineCall('', ['o']), /DECLINE needs a framework id/);
    assert.throws(() => calls.teardownCall(''), /TEARDOWN needs a framework id/);
  });

  test('LAUNCH is an ACCEPT with one LAUNCH operation and the filters', () => {
    const task: TaskInfo = { name: 't', task_id: { value: 't' }, agent_id: { value: 'a' }, resources: [], command: { value: 'sleep 1' } };
    assert.deepEqual(calls.launchCall('fw', ['o1', 'o2'], [task], { refuse_seconds: 5 }), {
      type: 'ACCEPT', framework_id: { value: 'fw' },
      accept: { offer_ids: [{ value: 'o1' }, { value: 'o2' }], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }], filters: { refuse_seconds: 5 } },
    });
  });

  test('DECLINE without filters has none', () => {
    assert.deepEqual(calls.declineCall('fw', ['o1']), { type: 'DECLINE', framework_id: { value: 'fw' }, decline: { offer_ids: [{ value: 'o1' }] } });
  });

  test('ACCEPT_INVERSE_OFFERS and DECLINE_INVERSE_OFFERS: the bodies the recorded Mesos 1.12 master took (M1.26, M1.34)', () => {
    assert.deepEqual(calls.inverseOffersCall('fw', true, ['io1']), {
      type: 'ACCEPT_INVERSE_OFFERS', framework_id: { value: 'fw' }, accept_inverse_offers: { inverse_offer_ids: [{ value: 'io1' }] },
    });
    assert.deepEqual(calls.inverseOffersCall('fw', false, ['io2'], { refuse_seconds: 5 }), {
      type: 'DECLINE_INVERSE_OFFERS', framework_id: { value: 'fw' }, decline_inverse_offers: { inverse_offer_ids: [{ value: 'io2' }], filters: { refuse_seconds: 5 } },
    });
    assert.throws(() => calls.inverseOffersCall('', true, ['io']), /ACCEPT_INVERSE_OFFERS needs a framework id/);
  });

  test('KILL with and without agent', () => {
    assert.deepEqual(calls.killCall('fw', 't'), { type: 'KILL', framework_id: { value: 'fw' }, kill: { task_id: { value: 't' } } });
    assert.deepEqual(calls.killCall('fw', 't', 'a').kill?.agent_id, { value: 'a' });
  });

  test('ACKNOWLEDGE only for updates with a uuid, echoed unchanged', () => {
    assert.equal(calls.acknowledgeCall('fw', { task_id: { value: 't' }, state: 'TASK_RUNNING', agent_id: { value: 'a' } }), undefined);
    const c = calls.acknowledgeCall('fw', { task_id: { value: 't' }, state: 'TASK_RUNNING', agent_id: { value: 'a' }, uuid: 'D6BdgMuNTV+Wa5oS6ecE/A==' });
    assert.deepEqual(c?.acknowledge, { agent_id: { value: 'a' }, task_id: { value: 't' }, uuid: 'D6BdgMuNTV+Wa5oS6ecE/A==' });
    assert.throws(() => calls.acknowledgeCall('fw', { task_id: { value: 't' }, state: 'TASK_RUNNING', uuid: 'x' }), /no agent_id/);
  });

  test('RECONCILE: explicit and implicit', () => {
    assert.deepEqual(calls.reconcileCall('fw', []).reconcile, { tasks: [] });
    assert.deepEqual(calls.reconcileCall('fw', [{ taskId: 't', agentId: 'a' }]).reconcile, { tasks: [{ task_id: { value: 't' }, agent_id: { value: 'a' } }] });
  });

  test('REVIVE and SUPPRESS use roles lists (never revive.role)', () => {
    assert.deepEqual(calls.reviveCall('fw', ['a', 'b']), { type: 'REVIVE', framework_id: { value: 'fw' }, revive: { roles: ['a', 'b'] } });
    assert.deepEqual(calls.reviveCall('fw'), { type: 'REVIVE', framework_id: { value: 'fw' } });
    assert.ok(!('role' in (calls.reviveCall('fw', ['a']).revive ?? {})));
    assert.deepEqual(calls.suppressCall('fw', ['a']), { type: 'SUPPRESS', framework_id: { value: 'fw' }, suppress: { roles: ['a'] } });
  });

  test('TEARDOWN', () => {
    assert.deepEqual(calls.teardownCall('fw'), { type: 'TEARDOWN', framework_id: { value: 'fw' } });
  });
});
