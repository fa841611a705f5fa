// accept_calls_per_agent + offer_rounds_1000_tm (and the _10000 pair): FlinkSession places 1,000 TaskManagers (and its
// JobManager) on the Mesos stand-in's 250 agents, and 10,000 on 2,500, in no-process mode, through the real SchedulerClient, counted at the client's ACCEPT calls.
// No-process mode has no Flink to register with, so the run ends when every TaskManager task is TASK_RUNNING.
import * as os from 'node:os';
import { SchedulerClient, type SchedulerClientOptions } from '../../src/core/mesos/SchedulerClient';
import type { Filters, Operation } from '../../src/core/mesos/types';
import { FlinkSession, type FlinkClusterApi } from '../../src/core/session/FlinkSession';
import { MemorySessionStore } from '../../src/core/session/SessionStore';
import { validateSessionOptions } from '../../src/core/session/SessionOptions';
import { MesosCluster } from '../standin/mesos/MesosCluster';
import { figure, missing, round, runStandalone, type BenchOptions, type Figure } from './benchUtil';

/** A SchedulerClient that remembers which OFFERS event each offer came in and what every ACCEPT used. */
class CountingSchedulerClient extends SchedulerClient {
  offersEvents = 0;
  readonly roundOfOffer = new Map<string, number>();
  readonly acceptsByRound = new Map<number, number>();
  readonly agentsUsed = new Set<string>();
  accepts = 0;
  tasks = 0;

  constructor(options: SchedulerClientOptions) {
    super(options);
    this.on('offers', (offers) => {
      const round = ++this.offersEvents;
      for (const o of offers) this.roundOfOffer.set(o.id.value, round);
    });
  }

  override async accept(offerIds: string[], operations: Operation[], filters?: Filters): Promise<void> {
    this.accepts++;
    const round = this.roundOfOffer.get(offerIds[0]) ?? -1;
    this.acceptsByRound.set(round, (this.acceptsByRound.get(round) ?? 0) + 1);
    for (const op of operations) {
      for (const t of op.launch?.task_infos ?? []) { this.tasks++; this.agentsUsed.add(t.agent_id.value); }
    }
    return super.accept(offerIds, operations, filters);
  }
}

const noFlink: FlinkClusterApi = {
  overview: () => Promise.reject(new Error('no-process mode: no Flink')),
  taskManagers: () => Promise.reject(new Error('no-process mode: no Flink')),
};

interface Placement { accepts: number; agentsUsed: number; rounds: number; offersEvents: number; tasks: number; placedMs: number; upMs: number }

/** Places JobManager + `taskManagers` on `agents` stand-in agents (no-process mode) and counts what the client accepted. */
export async function placeOnce(agents: number, taskManagers: number, timeoutMs: number): Promise<Placement> {
  const started = Date.now();
  const cluster = await MesosCluster.start({
    agents, flinkHome: os.tmpdir(), noProcess: { startingMs: 20, runningMs: 20 }, heartbeatSeconds: 5, allocationIntervalMs: 1000, updateRetryMs: 5000,
  });
  let client: CountingSchedulerClient | undefined;
  let session: FlinkSession | undefined;
  try {
    const validated = validateSessionOptions({
      name: 'placement', master: cluster.leaderUrl.replace(/^http:\/\//, ''), flink: { kind: 'home', path: '/opt/flink' }, taskManagers,
      taskManagerMemoryMb: 1024, jobManagerMemoryMb: 1024,
    }, { osUser: () => 'bench' });
    session = await FlinkSession.create(validated, {
      store: new MemorySessionStore(),
      createScheduler: (o) => (client = new CountingSchedulerClient(o)),
      createFlinkApi: () => noFlink,
      timings: { callTimeoutMs: 30_000, subscribeTimeoutMs: 30_000 },
    });
    const t0 = Date.now();
    await session.start();
    await session.waitFor((s) => s.progress.running >= taskManagers && s.jobManager?.state === 'TASK_RUNNING', timeoutMs, 'every TaskManager task RUNNING');
    const placedMs = Date.now() - t0;
    const c = client as CountingSchedulerClient;
    const rounds = [...c.acceptsByRound.keys()].filter((r) => r > 0).length;
    return { accepts: c.accepts, agentsUsed: c.agentsUsed.size, rounds, offersEvents: c.offersEvents, tasks: c.tasks, placedMs, upMs: t0 - started };
  } finally {
    await session?.stop().catch(() => undefined);
    await cluster.stop();
  }
}

/**
 * The same placement at two scales: 1,000 TaskManagers on 250 agents (issue 8) and 10,000 on 2,500 (issue 19). Each is
 * a count, not a time: how many ACCEPT calls per agent used (one: every agent's TaskManagers go in one call) and how
 * many OFFERS events it took (the stand-in offers every agent in one allocation, so one round places all, two at most
 * when the JobManager's own round comes first).
 */
export async function placementBench(opts: BenchOptions): Promise<Figure[]> {
  const scales = opts.quick
    ? [{ agents: 50, taskManagers: 200 }, { agents: 100, taskManagers: 400 }]
    : [{ agents: 250, taskManagers: 1000 }, { agents: 2500, taskManagers: 10_000 }];
  const results: (Placement | Error)[] = [];
  for (const s of scales) {
    // One scale that does not finish (10,000 on a machine loaded by others) leaves the other's figures standing.
    const p = await placeOnce(s.agents, s.taskManagers, opts.quick ? 60_000 : 1_200_000).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
    if (p instanceof Error) opts.log(`placement: ${s.taskManagers} TaskManagers on ${s.agents} agents: ${p.message}`);
    else opts.log(`placement: ${p.tasks} tasks on ${p.agentsUsed} agents with ${p.accepts} ACCEPTs in ${p.rounds} offer round(s) of ${p.offersEvents} OFFERS events; all RUNNING after ${p.placedMs} ms (cluster up in ${p.upMs} ms)`);
    results.push(p);
  }
  const how = (i: number, p: Placement): string => `${scales[i].agents} agents, JobManager + ${scales[i].taskManagers} TaskManagers, stand-in no-process mode, counted at SchedulerClient.accept; ` +
    `run ends when every TaskManager task is TASK_RUNNING (no Flink registration in no-process mode), ${round(p.placedMs / 1000, 1)} s`;
  const quickNote = (i: number): string => (opts.quick ? ` [quick: ${scales[i].taskManagers} TaskManagers on ${scales[i].agents} agents]` : '');
  const pair = (i: number, acceptKey: 'accept_calls_per_agent' | 'accept_calls_per_agent_10000', roundsKey: 'offer_rounds_1000_tm' | 'offer_rounds_10000_tm'): Figure[] => {
    const p = results[i];
    if (p instanceof Error) return [missing(acceptKey, '== 1.0', 'placement', p.message), missing(roundsKey, '<= 2', 'placement', p.message)];
    return [
      figure(acceptKey, round(p.accepts / p.agentsUsed), '== 1.0', `${p.accepts} ACCEPT calls / ${p.agentsUsed} agents used; ${how(i, p)}`),
      figure(roundsKey, p.rounds, '<= 2', `OFFERS events whose offers were used by an ACCEPT (${p.offersEvents} OFFERS events seen)${quickNote(i)}`),
    ];
  };
  return [...pair(0, 'accept_calls_per_agent', 'offer_rounds_1000_tm'), ...pair(1, 'accept_calls_per_agent_10000', 'offer_rounds_10000_tm')];
}

if (require.main === module) runStandalone(placementBench, ['accept_calls_per_agent', 'offer_rounds_1000_tm', 'accept_calls_per_agent_10000', 'offer_rounds_10000_tm']);
