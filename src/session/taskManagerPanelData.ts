// What a TaskManager panel shows: slots and state from the tree's model (both show the same), the heap sample and memory
// from its details every PANEL_DETAILS_POLLS polls, the log tail every LOG_REFRESH_POLLS; in between, and for renders
// caused by a tree change, what was read last (flinkPollPlan.ts).
import type { FlinkRestClient } from '../core/flink/FlinkRestClient';
import type { TaskManagerDetails } from '../core/flink/flinkRestTypes';
import { formatMb } from '../tree/treeFormat';
import type { MetricSampleData, TaskManagerData } from '../webviews/protocol';
import { panelReads, type PanelReadMemory } from './flinkPollPlan';
import type { TaskManagerView } from './sessionViews';

const MAX_SAMPLES = 240;
const LOG_TAIL_BYTES = 64 * 1024;

/** The last details and log tail read for one open panel. */
export type TaskManagerPanelReads = PanelReadMemory & { details?: TaskManagerDetails; log: string };

export interface TaskManagerPanelSource {
  session: string;
  flink?: FlinkRestClient;
  mesosBacked: boolean;
  /** Heap/non-heap samples per TaskManager, for the chart. */
  samples: Map<string, MetricSampleData[]>;
  reads: Map<string, TaskManagerPanelReads>;
}

/** fresh: read both now (the panel's Refresh). slotsRead: fresh details moved the slots, for the tree's row. */
export async function taskManagerPanelData(src: TaskManagerPanelSource, t: TaskManagerView, intervalMs: number, fresh: boolean,
  slotsRead: (slotsTotal: number, slotsFree: number) => void): Promise<TaskManagerData> {
  const id = t.id;
  const data: TaskManagerData = {
    session: src.session, id, agentHost: t.agentHost, agentId: t.agentId, mesosState: t.mesosState, stateHistory: t.stateHistory,
    hasSandbox: t.hasSandbox && src.mesosBacked, registered: t.registered, slotsTotal: t.slotsTotal, slotsFree: t.slotsFree,
    memoryConfiguration: [], samples: src.samples.get(id) ?? [], logTail: [], logSource: 'Flink log',
  };
  const flink = src.flink;
  if (!flink || !t.registered) return data;
  const last = src.reads.get(id);
  const due = panelReads(last, Date.now(), intervalMs, fresh);
  const memory: TaskManagerPanelReads = last ?? { detailsAt: 0, logAt: 0, log: '' };
  try {
    const [details, log] = await Promise.all([
      due.details ? flink.taskManager(id) : memory.details,
      due.log ? flink.taskManagerLog(id, LOG_TAIL_BYTES).catch(() => '') : memory.log,
    ]);
    const now = Date.now();
    if (due.details) Object.assign(memory, { details, detailsAt: now });
    if (due.log) Object.assign(memory, { log, logAt: now });
    src.reads.set(id, memory);
    if (src.reads.size > 20) src.reads.delete(src.reads.keys().next().value as string);
    data.memoryConfiguration = Object.entries(details?.memoryConfiguration ?? {})
      .filter((e): e is [string, number] => typeof e[1] === 'number')
      .map(([key, value]) => ({ key, value: formatMb(value / 1048576) }));
    // Fresh details also refresh the tree's row of this TaskManager: both keep showing the same, polled or not.
    if (due.details && details && (details.slotsNumber !== t.slotsTotal || details.freeSlots !== t.slotsFree)) {
      slotsRead(details.slotsNumber, details.freeSlots);
      data.slotsTotal = details.slotsNumber;
      data.slotsFree = details.freeSlots;
    }
    const metrics = details?.metrics;
    if (due.details && metrics && typeof metrics.heapUsed === 'number') {
      const samples = src.samples.get(id) ?? [];
      samples.push({ at: now, heapUsed: metrics.heapUsed, heapMax: metrics.heapMax, nonHeapUsed: metrics.nonHeapUsed ?? 0, nonHeapMax: metrics.nonHeapMax });
      if (samples.length > MAX_SAMPLES) samples.splice(0, samples.length - MAX_SAMPLES);
      src.samples.set(id, samples);
    }
    data.samples = src.samples.get(id) ?? [];
    data.logTail = log.split('\n').slice(-200);
  } catch (err) {
    data.error = `Flink did not answer: ${err instanceof Error ? err.message : String(err)}`;
  }
  return data;
}
