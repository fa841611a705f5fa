// accept_calls_per_agent + offer_rounds_1000_tm: FlinkSession places 1,000 TaskManagers (and its JobManager) on the
// Mesos stand-in's 250 agents in no-process mode, through the real SchedulerClient, counted at the client's ACCEPT calls.
// No-process mode has no Flink to register with, so the run ends when every TaskManager task is TASK_RUNNING.
import * as os from 'node:os';
import { SchedulerClient, type SchedulerClientOptions } from '../../src/core/mesos/SchedulerClient';
import type { Filters, Operation } from '../../src/core/mesos/types';
import { FlinkSession, type FlinkClusterApi } from '../../src/core/session/FlinkSession';
import { MemorySessionStore } from '../../src/core/session/SessionStore';
import { validateSessionOptions } from '../../src/core/session/SessionOptions';
import { MesosCluster } from '../standin/mesos/MesosCluster';
import { figure, round, runStandalone, type BenchOptions, type Figure } from './benchUtil';

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

export async function placementBench(opts: BenchOptions): Promise<Figure[]> {
  const agents = opts.quick ? 50 : 250;
  const taskManagers = opts.quick ? 200 : 1000;
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
    await session.waitFor((s) => s.progress.running >= taskManagers && s.jobManager?.state === 'TASK_RUNNING', opts.quick ? 60_000 : 180_000, 'every TaskManager task RUNNING');
    const placedMs = Date.now() - t0;
    const c = client as CountingSchedulerClient;
    const rounds = [...c.acceptsByRound.keys()].filter((r) => r > 0).length;
    const perAgent = c.accepts / c.agentsUsed.size;
    opts.log(`placement: ${c.tasks} tasks on ${c.agentsUsed.size} agents with ${c.accepts} ACCEPTs in ${rounds} offer round(s) of ${c.offersEvents} OFFERS events; all RUNNING after ${placedMs} ms (cluster up in ${t0 - started} ms)`);
    const how = `${agents} agents, JobManager + ${taskManagers} TaskManagers, stand-in no-process mode, counted at SchedulerClient.accept; ` +
      `run ends when every TaskManager task is TASK_RUNNING (no Flink registration in no-process mode), ${round(placedMs / 1000, 1)} s`;
    return [
      figure('accept_calls_per_agent', round(perAgent), '== 1.0', `${c.accepts} ACCEPT calls / ${c.agentsUsed.size} agents used; ${how}`),
      figure('offer_rounds_1000_tm', rounds, '<= 2', `OFFERS events whose offers were used by an ACCEPT (${c.offersEvents} OFFERS events seen)${opts.quick ? ` [quick: ${taskManagers} TaskManagers on ${agents} agents]` : ''}`),
    ];
  } finally {
    await session?.stop().catch(() => undefined);
    await cluster.stop();
  }
}

if (require.main === module) runStandalone(placementBench, ['accept_calls_per_agent', 'offer_rounds_1000_tm']);
