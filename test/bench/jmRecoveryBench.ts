// jm_recovery_vs_cold_start: with ZooKeeper HA, the time from the JobManager JVM's death (SIGKILL) until the streaming job
// is RUNNING again, divided by the time of a cold start of the same session (FlinkSession.start() until every TaskManager
// is registered, plus submitting the job until it is RUNNING), both in one run on the same stand-in Mesos cluster, with
// real Flink 2.3.0 and Debian's real ZooKeeper. Below 1: recovering is quicker than starting over (and keeps the state).
// Run alone: node out/test/bench/jmRecoveryBench.js
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { eventually, flinkGet, tempDir } from '../core/session/sessionHarness';
import { ZooKeeperServer, zookeeperUnavailable } from '../core/mesos/zookeeperServer';
import { cli, newRealSession, realFlink, startRealCluster } from '../real/realFlinkHarness';
import { FAST_HA, jobManagerJvm } from '../real/jobManagerHaSuite';
import { isFlinkProvisioned } from '../harness/realFlink';
import { figure, missing, round, runStandalone, type BenchOptions, type Figure, type FigureKey } from './benchUtil';

export const JM_RECOVERY_KEY: FigureKey = 'jm_recovery_vs_cold_start';
const TARGET = '<= 1';
const COMPARED = 'JobManager killed -> job RUNNING again, over a cold session start + job RUNNING (real Flink 2.3.0, real ZooKeeper, one run)';
const VERSION = '2.3.0';

export async function jmRecoveryBench(opts: BenchOptions): Promise<Figure[]> {
  if (opts.quick) return [missing(JM_RECOVERY_KEY, TARGET, COMPARED, 'needs real Flink JVMs: measured in full runs only')];
  const unavailable = zookeeperUnavailable() ?? (isFlinkProvisioned(VERSION) ? undefined : `Flink ${VERSION} is not provisioned (npm run provision:flink)`);
  if (unavailable) return [missing(JM_RECOVERY_KEY, TARGET, COMPARED, unavailable)];
  const flink = realFlink(VERSION);
  const work = tempDir('bench-jm-recovery-');
  const zk = await ZooKeeperServer.start();
  const cluster = await startRealCluster(flink);
  const session = await newRealSession(cluster, path.join(work, 'store'), {
    name: 'bench-ha', taskManagers: 2, slotsPerTaskManager: 2, ha: `zk://${zk.connect}/bench`, haStorage: path.join(work, 'ha'), dynamicProperties: FAST_HA,
  });
  const jobRunning = async (url: () => string | undefined, jobId: string): Promise<void> => {
    await eventually(`job ${jobId} RUNNING`, async () => {
      const u = url();
      return u ? (await flinkGet<{ jobs: { jid: string; state: string }[] }>(u, '/jobs/overview')).jobs.some((j) => j.jid === jobId && j.state === 'RUNNING') : false;
    }, 300000, 100);
  };
  try {
    const t0 = performance.now();
    await session.start();
    const up = await session.waitFor((s) => s.phase === 'running' && s.progress.registered === 2, 300000, 'running');
    const run = await cli(['run', '-m', up.jobManagerUrl!, '-d', '-p', '2', flink.jobs.streaming, '--output', path.join(work, 'counts'), '--interval-ms', '50', '--checkpoint-ms', '500']);
    if (run.code !== 0) throw new Error(`the job did not start: ${run.stderr}`);
    const jobId = /JobID ([0-9a-f]{32})/.exec(run.stdout)![1];
    await jobRunning(() => session.jobManagerUrl, jobId);
    const coldMs = performance.now() - t0;
    opts.log(`cold start until the job runs: ${coldMs.toFixed(0)} ms`);
    await eventually('two completed checkpoints', async () =>
      ((await flinkGet<{ counts: { completed: number } }>(up.jobManagerUrl!, `/jobs/${jobId}/checkpoints`)).counts.completed >= 2), 120000, 300);
    const pid = jobManagerJvm(cluster, up.jobManager!.taskId);
    const t1 = performance.now();
    process.kill(pid, 'SIGKILL');
    await session.waitFor((s) => s.jobManagerGeneration === 2 && s.jobManagerUrl !== undefined && s.jobManagerUrl !== up.jobManagerUrl, 300000, 'a new JobManager');
    await jobRunning(() => session.jobManagerUrl, jobId);
    const recoveryMs = performance.now() - t1;
    opts.log(`JobManager killed until the job runs again: ${recoveryMs.toFixed(0)} ms`);
    return [figure(JM_RECOVERY_KEY, round(recoveryMs / coldMs), TARGET, COMPARED, `recovery ${recoveryMs.toFixed(0)} ms, cold start ${coldMs.toFixed(0)} ms`)];
  } finally {
    await session.stop().catch(() => undefined);
    await cluster.stop().catch(() => undefined);
    await zk.stop().catch(() => undefined);
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) runStandalone(jmRecoveryBench, [JM_RECOVERY_KEY]);
