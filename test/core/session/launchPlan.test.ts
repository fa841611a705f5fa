import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { planOffers, describeMisfit, type PlanState } from '../../../src/core/session/launchPlan';
import { validateSessionOptions, sessionFlinkConfiguration, type SessionOptionsInput } from '../../../src/core/session/SessionOptions';
import type { SessionTaskSpec } from '../../../src/core/session/flinkTasks';
import type { Resource, TaskInfo } from '../../../src/core/mesos/types';
import { offer } from './offers';

function spec(input: Partial<SessionOptionsInput> = {}): SessionTaskSpec {
  const v = validateSessionOptions({ master: 'm:5050', flink: { kind: 'home', path: '/opt/flink' }, taskManagerMemoryMb: 2048, jobManagerMemoryMb: 1024, ...input });
  return { options: v.options, flinkConfiguration: sessionFlinkConfiguration(v.options, v.flinkConfiguration) };
}

const fresh = (n: number): PlanState => ({ needJobManager: true, taskManagersToPlace: n, nextTaskManagerNumber: 1 });

function portsOf(task: TaskInfo): number[] {
  const out: number[] = [];
  for (const r of task.resources) if (r.name === 'ports') for (const x of r.ranges!.range) for (let p = x.begin; p <= x.end; p++) out.push(p);
  return out;
}
function scalar(task: TaskInfo, name: string): number {
  return task.resources.filter((r: Resource) => r.name === name).reduce((s, r) => s + r.scalar!.value, 0);
}
function dArgs(task: TaskInfo): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /-D '?([^=' ]+)=([^' ]*)'?/g;
  for (let m = re.exec(task.command!.value!); m; m = re.exec(task.command!.value!)) out[m[1]] = m[2];
  return out;
}

describe('planOffers', () => {
  test('JobManager and 3 TaskManagers in one round on 3 agents, one accept per agent, ports from the offers', () => {
    const s = spec({ taskManagers: 3, slotsPerTaskManager: 2 });
    const offers = [offer({ agent: 'a1', ports: [[31000, 31001], [31005, 31010]] }), offer({ agent: 'a2', ports: [[40000, 40100]] }), offer({ agent: 'a3', ports: [[50000, 50001]] })];
    const plan = planOffers(offers, fresh(3), s);
    assert.equal(plan.launches.length, 3);
    assert.deepEqual(plan.declineOfferIds, []);
    assert.ok(plan.jobManager);
    assert.equal(plan.taskManagers.length, 3);
    assert.deepEqual(plan.taskManagers.map((t) => t.agentId).sort(), ['a1', 'a2', 'a3'], 'spread one per agent');
    assert.deepEqual(plan.unplaced, { jobManager: false, taskManagers: 0 });
    // Every port is inside the offered ranges of the task's agent, and no port is used twice on one agent.
    const offered: Record<string, [number, number][]> = { a1: [[31000, 31001], [31005, 31010]], a2: [[40000, 40100]], a3: [[50000, 50001]] };
    for (const launch of plan.launches) {
      const used = new Set<number>();
      for (const t of launch.tasks) {
        for (const p of portsOf(t.task)) {
          assert.ok(offered[launch.agentId].some(([b, e]) => p >= b && p <= e), `${p} offered on ${launch.agentId}`);
          assert.ok(!used.has(p), `port ${p} used twice`);
          used.add(p);
        }
        assert.deepEqual(Object.values(t.ports).sort(), portsOf(t.task).sort(), 'the -D ports are the reserved ports');
        assert.equal(t.task.agent_id.value, launch.agentId);
      }
    }
    const jm = plan.jobManager;
    assert.equal(jm.taskId, 'jobmanager-default');
    assert.equal(scalar(jm.task, 'mem'), 1024);
    const jmConf = dArgs(jm.task);
    assert.equal(jmConf['jobmanager.rpc.address'], jm.hostname);
    assert.equal(jmConf['jobmanager.rpc.port'], String(jm.ports.rpc));
    assert.equal(jmConf['rest.port'], String(jm.ports.rest));
    assert.equal(jmConf['blob.server.port'], String(jm.ports.blob));
    assert.equal(jmConf['parallelism.default'], '6');
    for (const tm of plan.taskManagers) {
      const c = dArgs(tm.task);
      assert.equal(c['jobmanager.rpc.address'], jm.hostname, 'TaskManagers know the JobManager in the same round');
      assert.equal(c['jobmanager.rpc.port'], String(jm.ports.rpc));
      assert.equal(c['taskmanager.resource-id'], tm.taskId);
      assert.equal(c['taskmanager.rpc.port'], String(tm.ports.rpc));
      assert.equal(c['taskmanager.data.port'], String(tm.ports.data));
      assert.equal(c['taskmanager.numberOfTaskSlots'], '2');
      assert.equal(c['taskmanager.memory.process.size'], '2048m');
      assert.equal(scalar(tm.task, 'mem'), 2048);
      assert.equal(scalar(tm.task, 'cpus'), 1);
      assert.match(tm.task.command!.value!, /exec "\$FLINK_HOME\/bin\/taskmanager.sh" start-foreground -D /);
      assert.match(tm.task.command!.value!, /export FLINK_LOG_DIR="\$MESOS_SANDBOX\/log"/);
    }
    assert.deepEqual(plan.taskManagers.map((t) => t.taskId), ['taskmanager-default-00001', 'taskmanager-default-00002', 'taskmanager-default-00003']);
    assert.equal(plan.nextTaskManagerNumber, 4);
  });

  test('several offers of one agent go into one accept; resources keep their role', () => {
    const s = spec({ taskManagers: 2, role: 'flink' });
    const offers = [offer({ agent: 'a1', cpus: 1, mem: 1024, ports: [[100, 102]], role: 'flink' }), offer({ agent: 'a1', cpus: 2, mem: 4096, ports: [[200, 203]], role: '*' })];
    const plan = planOffers(offers, fresh(2), s);
    assert.equal(plan.launches.length, 1);
    assert.deepEqual(plan.launches[0].offerIds.sort(), offers.map((o) => o.id.value).sort());
    assert.equal(plan.launches[0].tasks.length, 3);
    for (const t of plan.launches[0].tasks) for (const r of t.task.resources) assert.ok(r.role === 'flink' || r.role === '*');
    const total = plan.launches[0].tasks.reduce((sum, t) => sum + scalar(t.task, 'mem'), 0);
    assert.equal(total, 1024 + 2048 * 2);
  });

  test('unused agents are declined; nothing needed declines everything', () => {
    const s = spec({ taskManagers: 1 });
    const offers = [offer({ agent: 'a1' }), offer({ agent: 'a2' }), offer({ agent: 'a3' })];
    const plan = planOffers(offers, fresh(1), s);
    assert.equal(plan.launches.length, 1, 'JM and the TM on the first agent');
    assert.equal(plan.declineOfferIds.length, 2);
    const none = planOffers(offers, { needJobManager: false, jobManager: { hostname: 'h', rpcPort: 1 }, taskManagersToPlace: 0, nextTaskManagerNumber: 5 }, s);
    assert.equal(none.launches.length, 0);
    assert.equal(none.declineOfferIds.length, 3);
    assert.equal(none.diagnosis, undefined);
  });

  test('TaskManagers wait for the JobManager when it does not fit', () => {
    const s = spec({ taskManagers: 2, jobManagerMemoryMb: 8192 });
    const plan = planOffers([offer({ agent: 'a1', mem: 4096 })], fresh(2), s);
    assert.equal(plan.launches.length, 0);
    assert.equal(plan.unplaced.jobManager, true);
    assert.match(plan.diagnosis!, /needs 8192 MB and 1 cpu and 3 ports per JobManager; the largest offer so far has 4096 MB and 8 cpus and 1001 ports on agent a1 \(a1.example\): not enough memory/);
  });

  test('replacement TaskManagers use the known JobManager address', () => {
    const s = spec({ taskManagers: 3 });
    const plan = planOffers([offer({ agent: 'a9', hostname: '10.1.1.9' })], { needJobManager: false, jobManager: { hostname: 'jmhost', rpcPort: 777 }, taskManagersToPlace: 1, nextTaskManagerNumber: 7 }, s);
    assert.equal(plan.taskManagers.length, 1);
    assert.equal(plan.taskManagers[0].taskId, 'taskmanager-default-00007');
    const c = dArgs(plan.taskManagers[0].task);
    assert.equal(c['jobmanager.rpc.address'], 'jmhost');
    assert.equal(c['jobmanager.rpc.port'], '777');
    assert.equal(c['taskmanager.host'], '10.1.1.9');
    assert.equal(c['taskmanager.bind-host'], '10.1.1.9');
  });

  test('greedy takes every offer that fits a TaskManager', () => {
    const s = spec({ taskManagerMemoryMb: 4096, taskManagerCpus: 2 });
    const offers = [offer({ agent: 'a1', cpus: 8, mem: 16384 }), offer({ agent: 'a2', cpus: 3, mem: 9000 }), offer({ agent: 'a3', cpus: 1, mem: 16384 })];
    const plan = planOffers(offers, { needJobManager: true, taskManagersToPlace: Infinity, nextTaskManagerNumber: 1 }, s);
    // a1: JM (1 cpu, 1024) + 3 TMs (6 cpus, 12288 MB); a2: 1 TM; a3: too few cpus.
    assert.equal(plan.taskManagers.filter((t) => t.agentId === 'a1').length, 3);
    assert.equal(plan.taskManagers.filter((t) => t.agentId === 'a2').length, 1);
    assert.equal(plan.taskManagers.length, 4);
    assert.equal(plan.jobManager!.agentId, 'a1');
    assert.deepEqual(plan.declineOfferIds, [offers[2].id.value]);
    assert.equal(plan.diagnosis, undefined);
  });

  test('constraints: only matching agents; the hostname pseudo-attribute; a diagnosis when none matches', () => {
    const s = spec({ taskManagers: 2, constraints: ['rack:r2'] });
    const offers = [offer({ agent: 'a1', attributes: { rack: 'r1' } }), offer({ agent: 'a2', attributes: { rack: 'r2' } }), offer({ agent: 'a3' })];
    const plan = planOffers(offers, fresh(2), s);
    assert.equal(plan.launches.length, 1);
    assert.equal(plan.launches[0].agentId, 'a2');
    assert.equal(plan.taskManagers.length, 2);
    assert.equal(plan.agentsRefusedByConstraints, 2);
    const byHost = planOffers(offers, fresh(1), spec({ taskManagers: 1, constraints: ['hostname:a3.example'] }));
    assert.equal(byHost.launches[0].agentId, 'a3');
    const none = planOffers([offers[0]], fresh(2), s);
    assert.equal(none.launches.length, 0);
    assert.match(none.diagnosis!, /on agents matching rack:r2; none of the 1 agents offered so far matches the constraints/);
  });

  test('TaskManagers that do not fit are diagnosed against the largest offer', () => {
    const s = spec({ taskManagers: 2, taskManagerMemoryMb: 8192, taskManagerCpus: 2 });
    const plan = planOffers([offer({ agent: 'small', mem: 4096 }), offer({ agent: 'tiny', mem: 2048 })], { needJobManager: false, jobManager: { hostname: 'h', rpcPort: 1 }, taskManagersToPlace: 2, nextTaskManagerNumber: 1 }, s);
    assert.equal(plan.taskManagers.length, 0);
    assert.match(plan.diagnosis!, /needs 8192 MB and 2 cpus and 2 ports per TaskManager; the largest offer so far has 4096 MB .* on agent small/);
    assert.match(describeMisfit('TaskManager', { cpus: 1, memMb: 1, diskMb: 0, ports: 2 }, undefined), /no offer has arrived yet/);
  });

  test('too few ports is a misfit too', () => {
    const s = spec({ taskManagers: 1 });
    const plan = planOffers([offer({ agent: 'a1', ports: [[5000, 5003]] })], fresh(1), s);
    assert.ok(plan.jobManager);
    assert.equal(plan.taskManagers.length, 0, 'one port left, a TaskManager needs two');
  });

  test('URI and Docker locations', () => {
    const uri = planOffers([offer({ agent: 'a1' })], fresh(0), spec({ flink: { kind: 'uri', uri: 'http://h/flink-1.19.1.tgz' } }));
    const cmd = uri.jobManager!.task.command!;
    assert.deepEqual(cmd.uris, [{ value: 'http://h/flink-1.19.1.tgz', extract: true, cache: false }]);
    assert.match(cmd.value!, /\$MESOS_SANDBOX"\/\*\/bin\/jobmanager.sh/);
    const docker = planOffers([offer({ agent: 'a1' })], fresh(0), spec({ flink: { kind: 'docker', image: 'flink:1.19' } }));
    assert.deepEqual(docker.jobManager!.task.container, { type: 'DOCKER', docker: { image: 'flink:1.19', network: 'HOST' } });
    assert.match(docker.jobManager!.task.command!.value!, /export FLINK_HOME=\/opt\/flink/);
  });

  test('1,000 TaskManagers on 250 agents in one round, one accept per agent, linear', () => {
    const s = spec({ taskManagers: 1000, taskManagerMemoryMb: 2048, taskManagerCpus: 1 });
    const offers = Array.from({ length: 250 }, (_, i) => offer({ agent: `agent-${i}`, cpus: 5, mem: 10240 }));
    const plan = planOffers(offers, fresh(1000), s);
    assert.equal(plan.taskManagers.length, 1000);
    assert.equal(plan.launches.length, 250);
    assert.equal(new Set(plan.launches.map((l) => l.agentId)).size, 250);
    assert.equal(new Set(plan.taskManagers.map((t) => t.taskId)).size, 1000);
    const big = Array.from({ length: 10000 }, (_, i) => offer({ agent: `agent-${i}`, cpus: 1, mem: 4096 }));
    // How fast is the benchmark's business (offer_handling_vs_parse), not a timed test's.
    const p2 = planOffers(big, { needJobManager: false, jobManager: { hostname: 'h', rpcPort: 1 }, taskManagersToPlace: 0, nextTaskManagerNumber: 1 }, s);
    assert.equal(p2.declineOfferIds.length, 10000);
  });
  test('ports of tasks that ended lately on an agent are taken last, and still used when nothing else is offered', () => {
    const s = spec({ taskManagers: 1 });
    const state = (recent: number[]): PlanState => ({
      needJobManager: false, jobManager: { hostname: 'h', rpcPort: 1 }, taskManagersToPlace: 1, nextTaskManagerNumber: 2,
      recentPorts: new Map([['a1', new Set(recent)]]),
    });
    const wide = planOffers([offer({ agent: 'a1', ports: [[31000, 31010]] })], state([31000, 31001]), s);
    assert.deepEqual(Object.values(wide.taskManagers[0].ports), [31002, 31003]);
    assert.deepEqual(portsOf(wide.taskManagers[0].task), [31002, 31003], 'the reserved ports are the -D ports');
    // A recent port in the middle of a range splits it; the others of another agent are not affected.
    const middle = planOffers([offer({ agent: 'a1', ports: [[31000, 31002]] })], state([31001]), s);
    assert.deepEqual(Object.values(middle.taskManagers[0].ports), [31000, 31002]);
    const other = planOffers([offer({ agent: 'a2', ports: [[31000, 31010]] })], state([31000, 31001]), s);
    assert.deepEqual(Object.values(other.taskManagers[0].ports), [31000, 31001]);
    // Only the recent ports are offered: better a TaskManager on them than none.
    const only = planOffers([offer({ agent: 'a1', ports: [[31000, 31001]] })], state([31000, 31001]), s);
    assert.equal(only.taskManagers.length, 1);
    assert.deepEqual(Object.values(only.taskManagers[0].ports).sort(), [31000, 31001]);
  });
});
