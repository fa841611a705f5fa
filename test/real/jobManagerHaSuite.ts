// JobManager high availability against real Flink and Debian's real ZooKeeper: a streaming job with checkpoints runs,
// the JobManager JVM is killed with SIGKILL (then, second, its agent is removed), a new JobManager task comes up through
// the session, the job is RUNNING again with its counts going on, and the TaskManagers stay. Without HA: the plain failure.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FlinkSession, SessionSnapshot } from '../../src/core/session/FlinkSession';
import type { MesosCluster } from '../standin/mesos/MesosCluster';
import { eventually, flinkGet, liveTasks, tempDir } from '../core/session/sessionHarness';
import { ZooKeeperServer, zookeeperUnavailable } from '../core/mesos/zookeeperServer';
import { cli, counts, jvmsUnder, newRealSession, realFlink, startRealCluster, type RealFlink } from './realFlinkHarness';

interface JobsOverview { jobs: { jid: string; name: string; state: string }[] }

/** Short ZooKeeper sessions and heartbeats: a killed JobManager's leadership lapses in seconds, not the default minute. */
export const FAST_HA = ['high-availability.zookeeper.client.session-timeout=6000', 'high-availability.zookeeper.client.connection-timeout=5000',
  'heartbeat.timeout=15000', 'heartbeat.interval=2000'];

/** The JobManager JVM of a session's current JobManager task (its sandbox holds the task id). */
export function jobManagerJvm(cluster: MesosCluster, taskId: string): number {
  const jvms = jvmsUnder(cluster.workDir).filter((p) => /StandaloneSessionClusterEntrypoint/.test(p.args));
  const dirOf = (pid: number): string => { try { return fs.readlinkSync(`/proc/${pid}/cwd`); } catch { return ''; } };
  const jvm = jvms.find((p) => dirOf(p.pid).includes(taskId)) ?? (jvms.length === 1 ? jvms[0] : undefined);
  assert.ok(jvm, `the JobManager JVM of ${taskId} among ${JSON.stringify(jvms.map((p) => [p.pid, dirOf(p.pid)]))}`);
  return jvm.pid;
}

export function jobManagerHaSuite(version: string): void {
  describe(`JobManager high availability on real Flink ${version} with a real ZooKeeper`, { timeout: 900000 }, () => {
    let flink: RealFlink;
    let cluster: MesosCluster;
    let zk: ZooKeeperServer;
    let session: FlinkSession | undefined;
    const work = tempDir(`real-ha-${version}-`);

    before(async () => {
      const missing = zookeeperUnavailable();
      if (missing) throw new Error(`ZooKeeper cannot run: ${missing} (scripts/ensure-deps.sh installs it)`);
      flink = realFlink(version);
      zk = await ZooKeeperServer.start();
      cluster = await startRealCluster(flink);
    });
    after(async () => {
      await session?.stop().catch(() => undefined);
      await cluster?.stop();
      await zk?.stop();
      fs.rmSync(work, { recursive: true, force: true });
    });

    const jobState = async (url: string, jobId: string): Promise<string | undefined> =>
      (await flinkGet<JobsOverview>(url, '/jobs/overview')).jobs.find((j) => j.jid === jobId)?.state;
    const waitSession = (s: FlinkSession, pred: (x: SessionSnapshot) => boolean, ms: number, what: string): Promise<SessionSnapshot> =>
      s.waitFor(pred, ms, what).catch((e: Error) => {
        const x = s.snapshot();
        throw new Error(`${e.message}; phase ${x.phase} (${x.reason ?? ''}), progress ${JSON.stringify(x.progress)}, jm ${x.jobManager?.taskId}:${x.jobManager?.state}, ` +
          `tms ${x.taskManagers.map((t) => `${t.taskId}:${t.state}`).join(' ')}`);
      });
    const lines = (dir: string): Map<number, number> => new Map([...counts(dir)].map(([k, v]) => [k, v.length]));
    /** Each key counted again after `before`, and none started over at 1: the state came back from a checkpoint. */
    const continues = async (dir: string, before: Map<number, number>, what: string): Promise<void> => {
      await eventually(`every key counting again ${what}`, async () => [...counts(dir)].every(([k, v]) => v.length > (before.get(k) ?? 0) + 3), 120000, 500);
      for (const [key, values] of counts(dir)) {
        const fresh = values.slice(before.get(key) ?? 0);
        assert.ok(!fresh.includes(1), `key ${key} goes on from its checkpointed count ${what}, not from 1: ${fresh.slice(0, 5).join(',')}`);
      }
    };

    let jobId = '';
    const output = path.join(work, 'counts');
    let tmIds: string[] = [];

    test('a streaming job runs with checkpoints; kill -9 of the JobManager JVM: a new JobManager task, the job RUNNING again, the counter goes on, the same TaskManagers', async () => {
      session = await newRealSession(cluster, path.join(work, 'store'), {
        name: 'ha', taskManagers: 2, slotsPerTaskManager: 2,
        ha: `zk://${zk.connect}/flink-mesos-test`, haStorage: path.join(work, 'ha'), dynamicProperties: FAST_HA,
      });
      await session.start();
      const first = await waitSession(session, (s) => s.phase === 'running' && s.progress.registered === 2, 240000, 'running with 2 TaskManagers');
      assert.equal(first.jobManagerGeneration, 1);
      const config = new Map((await flinkGet<{ key: string; value: string }[]>(first.jobManagerUrl!, '/jobmanager/config')).map((e) => [e.key, e.value]));
      assert.equal(config.get('high-availability.zookeeper.quorum'), zk.connect, 'the quorum reaches Flink');
      tmIds = first.taskManagers.map((t) => t.taskId).sort();

      const run = await cli(['run', '-m', first.jobManagerUrl!, '-d', '-p', '2', flink.jobs.streaming, '--output', output, '--interval-ms', '50', '--checkpoint-ms', '500']);
      assert.equal(run.code, 0, run.stderr + run.stdout);
      jobId = /JobID ([0-9a-f]{32})/.exec(run.stdout)![1];
      await eventually(`job ${jobId} RUNNING`, async () => (await jobState(first.jobManagerUrl!, jobId)) === 'RUNNING', 90000, 300);
      await eventually('a completed checkpoint', async () =>
        ((await flinkGet<{ counts: { completed: number } }>(first.jobManagerUrl!, `/jobs/${jobId}/checkpoints`)).counts.completed >= 2), 90000, 500);
      await eventually('counts in the output', async () => [...counts(output).values()].some((v) => v.length > 5), 60000, 300);

      const pid = jobManagerJvm(cluster, first.jobManager!.taskId);
      const before = lines(output);
      const killedAt = Date.now();
      process.kill(pid, 'SIGKILL');
      await waitSession(session, (s) => s.phase === 'recoveringJobManager', 60000, 'JobManager recovering');
      const back = await waitSession(session, (s) => s.phase === 'running' && s.jobManagerGeneration === 2 && s.progress.registered === 2, 300000, 'running again with JobManager generation 2');
      assert.notEqual(back.jobManager!.taskId, first.jobManager!.taskId, 'a new JobManager task');
      assert.equal(back.jobManager!.state, 'TASK_RUNNING');
      assert.notEqual(back.jobManagerUrl, first.jobManagerUrl, 'the new address (fresh ports)');
      await eventually(`job ${jobId} RUNNING on the new JobManager`, async () => (await jobState(back.jobManagerUrl!, jobId)) === 'RUNNING', 180000, 500);
      console.log(`[ha ${version}] JobManager killed -> job RUNNING again in ${Date.now() - killedAt} ms`);
      await continues(output, before, 'after the JobManager was killed');

      assert.deepEqual(back.taskManagers.map((t) => t.taskId).sort(), tmIds, 'the same TaskManagers: none lost, none added');
      const flinkTms = (await flinkGet<{ taskmanagers: { id: string }[] }>(back.jobManagerUrl!, '/taskmanagers')).taskmanagers.map((t) => t.id).sort();
      assert.deepEqual(flinkTms, tmIds, 'the new JobManager lists exactly the same TaskManagers');
      const tasks = await liveTasks(cluster, back.frameworkId);
      assert.deepEqual(tasks.map((t) => t.task_id.value).sort(), [back.jobManager!.taskId, ...tmIds].sort(), 'the master lists one JobManager and the two TaskManagers');
    });

    test('the JobManager\'s agent is removed: the new JobManager runs on another agent, the job recovers, the lost TaskManager is replaced', async () => {
      const s = session!;
      const now = s.snapshot();
      const jmAgent = now.jobManager!.agentId;
      const before = lines(output);
      await cluster.faults.removeAgent(jmAgent);
      const back = await waitSession(s, (x) => x.phase === 'running' && x.jobManagerGeneration === 3 && x.progress.registered === 2, 300000, 'running again with JobManager generation 3');
      assert.notEqual(back.jobManager!.agentId, jmAgent, 'another agent');
      await eventually(`job ${jobId} RUNNING on the third JobManager`, async () => (await jobState(back.jobManagerUrl!, jobId)) === 'RUNNING', 180000, 500);
      await continues(output, before, 'after the JobManager\'s agent was removed');
      const tasks = await liveTasks(cluster, back.frameworkId);
      assert.equal(tasks.filter((t) => t.task_id.value.startsWith('jobmanager-')).length, 1, 'one JobManager');
      assert.equal(tasks.filter((t) => t.task_id.value.startsWith('taskmanager-')).length, 2, 'two TaskManagers');
      const stop = await s.stop();
      assert.deepEqual(stop.leftTasks, []);
      session = undefined;
    });

    test('without HA the same kill ends the session plainly, with no task left, and says jobs are not recovered', async () => {
      const plain = await newRealSession(cluster, path.join(work, 'store'), { name: 'plain', taskManagers: 1, slotsPerTaskManager: 2 });
      session = plain;
      await plain.start();
      const up = await waitSession(plain, (s) => s.phase === 'running' && s.progress.registered === 1, 240000, 'running');
      const run = await cli(['run', '-m', up.jobManagerUrl!, '-d', '-p', '1', flink.jobs.streaming, '--output', path.join(work, 'plain-counts'), '--interval-ms', '50']);
      assert.equal(run.code, 0, run.stderr + run.stdout);
      process.kill(jobManagerJvm(cluster, up.jobManager!.taskId), 'SIGKILL');
      await plain.whenEnded();
      const end = plain.snapshot();
      assert.equal(end.phase, 'failed');
      assert.equal(end.failureKind, 'jobManagerLost');
      assert.match(end.reason ?? '', /The JobManager task ended: TASK_FAILED/);
      assert.match(end.reason ?? '', /Without high availability \(--ha\) its jobs are not recovered/);
      await eventually('no task left', async () => (await liveTasks(cluster, up.frameworkId)).length === 0, 30000, 300);
      session = undefined;
    });
  });
}
