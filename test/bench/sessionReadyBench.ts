// session_ready_ratio: time from "start" until all N TaskManagers are registered in Flink's /taskmanagers,
// FlinkSession (JobManager and TaskManagers placed in the same offer round) divided by a JobManager-then-TaskManagers
// sequence (launch the JobManager, wait until its REST API answers, then launch the TaskManagers), as Flink's own scripts
// and its Mesos resource manager did. Both use the same SchedulerClient, the same placement code (planOffers), the same
// stand-in cluster with real processes and the same start-up delay for every Flink process; only the sequencing differs.
// Registration is observed the same way for both: GET /taskmanagers every 50 ms from this process.
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { SchedulerClient } from '../../src/core/mesos/SchedulerClient';
import type { Offer } from '../../src/core/mesos/types';
import { FlinkSession } from '../../src/core/session/FlinkSession';
import { MemorySessionStore } from '../../src/core/session/SessionStore';
import { sessionFlinkConfiguration, validateSessionOptions, type ValidatedSessionOptions } from '../../src/core/session/SessionOptions';
import { planOffers } from '../../src/core/session/launchPlan';
import type { SessionTaskSpec } from '../../src/core/session/flinkTasks';
import { MesosCluster } from '../standin/mesos/MesosCluster';
import { figure, formatSpread, interleave, median, round, runStandalone, sleep, spread, type BenchOptions, type Figure } from './benchUtil';

interface RunSetup { cluster: MesosCluster; taskManagers: number; delayMs: number; name: string }

function options(setup: RunSetup): ValidatedSessionOptions {
  return validateSessionOptions({
    name: setup.name, master: setup.cluster.leaderUrl.replace(/^http:\/\//, ''), flink: { kind: 'home', path: setup.cluster.flinkHome },
    taskManagers: setup.taskManagers, taskManagerMemoryMb: 1024, jobManagerMemoryMb: 1024, failoverTimeoutSeconds: 60,
    dynamicProperties: { 'standin.startup-delay-ms': String(setup.delayMs) },
  }, { osUser: () => 'bench' });
}

async function getJson<T>(url: string): Promise<T | undefined> {
  try {
    const res = await request(url, { signal: AbortSignal.timeout(2000) });
    const text = await res.body.text();
    return res.statusCode === 200 ? JSON.parse(text) as T : undefined;
  } catch {
    return undefined;
  }
}

/** Resolves with the time (performance.now()) at which every id in `ids()` is listed by the JobManager's /taskmanagers. */
async function watchRegistration(restUrl: () => string | undefined, ids: () => string[], n: number, deadline: number): Promise<number> {
  for (;;) {
    const url = restUrl();
    if (url) {
      const answer = await getJson<{ taskmanagers: { id: string }[] }>(`${url}/taskmanagers`);
      const want = ids();
      if (answer && want.length === n) {
        const listed = new Set(answer.taskmanagers.map((t) => t.id));
        if (want.every((id) => listed.has(id))) return performance.now();
      }
    }
    if (Date.now() > deadline) throw new Error(`the TaskManagers did not all register within the time limit (${url ?? 'no JobManager yet'})`);
    await sleep(50);
  }
}

async function waitClusterIdle(cluster: MesosCluster): Promise<void> {
  const until = Date.now() + 20_000;
  while (cluster.runningPids().length > 0 && Date.now() < until) await sleep(100);
}

/** Our placement: FlinkSession.start() until all N are registered. */
async function flinkSessionRun(setup: RunSetup): Promise<number> {
  const session = await FlinkSession.create(options(setup), { store: new MemorySessionStore(), timings: { stopVerifyTimeoutMs: 10_000 } });
  try {
    const t0 = performance.now();
    await session.start();
    const done = await watchRegistration(() => session.jobManagerUrl, () => session.snapshot().taskManagers.map((t) => t.taskId),
      setup.taskManagers, Date.now() + 60_000);
    return done - t0;
  } finally {
    await session.stop().catch(() => undefined);
    await waitClusterIdle(setup.cluster);
  }
}

/** The JobManager-then-TaskManagers sequence, with the same client and placement code. Offers are held while waiting, so the
 * TaskManagers launch the moment the JobManager's REST API answers (the sequence's best case). */
async function sequentialRun(setup: RunSetup): Promise<number> {
  const validated = options(setup);
  const spec: SessionTaskSpec = { options: validated.options, flinkConfiguration: sessionFlinkConfiguration(validated.options, validated.flinkConfiguration) };
  const client = new SchedulerClient({
    masters: validated.options.master,
    frameworkInfo: { user: 'bench', name: setup.name, failover_timeout: 60, checkpoint: true, capabilities: [{ type: 'MULTI_ROLE' }], roles: ['*'] },
  });
  let phase: 'jobManager' | 'waitForRest' | 'taskManagers' | 'launched' = 'jobManager';
  let jobManager: { hostname: string; rpcPort: number } | undefined;
  let restUrl: string | undefined;
  const held = new Map<string, Offer>();
  const tmIds: string[] = [];
  const launchTaskManagers = (offers: Offer[]): void => {
    const plan = planOffers(offers, { needJobManager: false, jobManager, taskManagersToPlace: setup.taskManagers - tmIds.length, nextTaskManagerNumber: tmIds.length + 1 }, spec);
    for (const l of plan.launches) {
      for (const id of l.offerIds) held.delete(id);
      for (const t of l.tasks) tmIds.push(t.taskId);
      void client.accept(l.offerIds, [{ type: 'LAUNCH', launch: { task_infos: l.tasks.map((t) => t.task) } }]).catch(() => undefined);
    }
    if (tmIds.length >= setup.taskManagers) {
      phase = 'launched';
      const rest = [...held.keys(), ...plan.declineOfferIds.filter((id) => !held.has(id))];
      held.clear();
      if (rest.length > 0) void client.decline(rest, { refuse_seconds: 60 }).catch(() => undefined);
    }
  };
  client.on('update', (s) => { void client.acknowledge(s).catch(() => undefined); });
  client.on('rescind', (id) => { held.delete(id); });
  client.on('offers', (offers) => {
    if (phase === 'jobManager') {
      const plan = planOffers(offers, { needJobManager: true, taskManagersToPlace: 0, nextTaskManagerNumber: 1 }, spec);
      if (!plan.jobManager) { void client.decline(plan.declineOfferIds, { refuse_seconds: 1 }).catch(() => undefined); return; }
      const jm = plan.jobManager;
      jobManager = { hostname: jm.hostname, rpcPort: jm.ports.rpc };
      restUrl = `http://${jm.hostname}:${jm.ports.rest}`;
      for (const l of plan.launches) void client.accept(l.offerIds, [{ type: 'LAUNCH', launch: { task_infos: l.tasks.map((t) => t.task) } }]).catch(() => undefined);
      const used = new Set(plan.launches.flatMap((l) => l.offerIds));
      for (const o of offers) if (!used.has(o.id.value)) held.set(o.id.value, o);
      phase = 'waitForRest';
    } else if (phase === 'waitForRest') {
      for (const o of offers) held.set(o.id.value, o);
    } else if (phase === 'taskManagers') {
      for (const o of offers) held.set(o.id.value, o);
      launchTaskManagers([...held.values()]);
    } else {
      void client.decline(offers.map((o) => o.id.value), { refuse_seconds: 60 }).catch(() => undefined);
    }
  });
  try {
    const t0 = performance.now();
    client.start();
    const deadline = Date.now() + 60_000;
    // Like `jobmanager.sh start` followed by waiting for the web frontend: poll its REST API.
    while (!restUrl || !(await getJson(`${restUrl}/config`))) {
      if (Date.now() > deadline) throw new Error('the JobManager REST API did not answer within 60 s');
      await sleep(50);
    }
    phase = 'taskManagers';
    if (held.size > 0) launchTaskManagers([...held.values()]);
    const done = await watchRegistration(() => restUrl, () => tmIds, setup.taskManagers, deadline);
    return done - t0;
  } finally {
    await client.teardown().catch(() => client.close());
    await waitClusterIdle(setup.cluster);
  }
}

export async function sessionReadyBench(opts: BenchOptions): Promise<Figure[]> {
  const taskManagers = opts.quick ? 2 : 4;
  const delayMs = opts.quick ? 1000 : 3000;
  const pairs = opts.quick ? 1 : 3;
  const cluster = await MesosCluster.start({ agents: 4, heartbeatSeconds: 5, allocationIntervalMs: 1000, updateRetryMs: 5000, killGracePeriodMs: 500 });
  try {
    opts.log(`session ready: ${taskManagers} TaskManagers, start-up delay ${delayMs} ms per Flink process, ${pairs} interleaved round(s), allocation interval 1 s`);
    let run = 0;
    const setup = (): RunSetup => ({ cluster, taskManagers, delayMs, name: `ready${run++}` });
    // Batches of one start a side (each takes seconds), flipping which goes first (the method: benchUtil.interleave).
    const r = await interleave(pairs, 1, () => flinkSessionRun(setup()), () => sequentialRun(setup()), (as, bs) => as[0] / bs[0]);
    r.a.forEach((a, i) => opts.log(`session ready: round ${i + 1}: FlinkSession ${Math.round(a[0])} ms, sequence ${Math.round(r.b[i][0])} ms`));
    const ratios = spread(r.ratios);
    return [{
      ...figure('session_ready_ratio', round(ratios.median), '<= 0.6',
        `JobManager-then-TaskManagers sequence (same SchedulerClient and planOffers; offers held, TaskManagers launched as soon as the JobManager REST answers); ` +
        `${taskManagers} TaskManagers, ${delayMs} ms start-up delay each, stand-in with processes; FlinkSession ${Math.round(median(r.a.flat()))} ms vs sequence ${Math.round(median(r.b.flat()))} ms; ` +
        `${pairs} interleaved round(s), wall-clock ratio ${formatSpread(ratios)}`),
      spread: round(ratios.iqr),
    }];
  } finally {
    await cluster.stop();
  }
}

if (require.main === module) runStandalone(sessionReadyBench, ['session_ready_ratio']);
