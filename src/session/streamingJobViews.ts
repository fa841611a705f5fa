// Turns a running job's REST answers into the Job panel's graph and checkpoint figures, and judges checkpoint health
// for the tree. No vscode import: node tests use it directly.
import type { FlinkRestClient } from '../core/flink/FlinkRestClient';
import type { JobDetails } from '../core/flink/flinkRestTypes';
import { StreamingJobReads } from '../core/flink/StreamingJobReads';
import type { AggregatedMetric, CheckpointConfig, CheckpointStatistics, CheckpointingStatistics } from '../core/flink/streamingRestTypes';
import type { CheckpointRowData, CheckpointsData, GraphVertexData, JobGraphData } from '../webviews/protocol';

/** Flink reports a job without periodic checkpoints with interval Long.MAX_VALUE. */
const DISABLED_INTERVAL = 2 ** 62;

type VertexFigures = Omit<GraphVertexData, 'id' | 'name' | 'parallelism' | 'status'>;

/** Builds the graph from the job's vertices and plan (the plan gives the edges and their ship strategies). */
export function jobGraphOf(details: JobDetails, figures: ReadonlyMap<string, VertexFigures> = new Map()): JobGraphData {
  const vertices = details.vertices.map((v) => ({ id: v.id, name: v.name, parallelism: v.parallelism, status: v.status, ...figures.get(v.id) }));
  const known = new Set(vertices.map((v) => v.id));
  const edges = (details.plan?.nodes ?? []).flatMap((n) => (n.inputs ?? [])
    .filter((i) => known.has(i.id) && known.has(n.id))
    .map((i) => ({ from: i.id, to: n.id, shipStrategy: i.ship_strategy ?? '' })));
  return { vertices, edges };
}

/** The figures of one vertex from its aggregated task metrics; undefined when Flink had none to give. */
export function vertexFiguresOf(metrics: ReadonlyMap<string, AggregatedMetric>): VertexFigures | undefined {
  if (metrics.size === 0) return undefined;
  const sum = (id: string): number | undefined => finite(metrics.get(id)?.sum);
  const max = (id: string): number | undefined => finite(metrics.get(id)?.max);
  return {
    recordsInPerSecond: sum('numRecordsInPerSecond'),
    recordsOutPerSecond: sum('numRecordsOutPerSecond'),
    busyMsPerSecond: max('busyTimeMsPerSecond'),
    backPressuredMsPerSecond: max('backPressuredTimeMsPerSecond'),
  };
}

function finite(n: number | undefined): number | undefined {
  return typeof n === 'number' && Number.isFinite(n) && !Number.isNaN(n) ? n : undefined;
}

function row(c: CheckpointStatistics): CheckpointRowData {
  return {
    id: c.id, status: c.status, savepoint: !!c.is_savepoint, at: c.trigger_timestamp,
    durationMs: c.end_to_end_duration, sizeBytes: c.checkpointed_size ?? c.state_size,
    failure: c.failure_message ?? undefined, path: c.external_path && c.external_path !== '<checkpoint-not-externally-addressable>' ? c.external_path : undefined,
  };
}

/** A warning when checkpoints fail or stop completing: the last one failed, or none completed for 3 intervals (at least 30 s). */
export function checkpointWarning(stats: CheckpointingStatistics | undefined, config: CheckpointConfig | undefined, runningSince: number | undefined, now: number): string | undefined {
  if (!stats || !config || !(config.interval > 0) || config.interval >= DISABLED_INTERVAL) return undefined;
  const completed = stats.latest.completed;
  // The newest failed checkpoint (history is newest first); a failed savepoint (a bad target folder) says nothing about them.
  const failed = stats.history.find((h) => h.status === 'FAILED' && !h.is_savepoint) ?? (stats.latest.failed && !stats.latest.failed.is_savepoint ? stats.latest.failed : undefined);
  const lastCompletedAt = completed ? completed.latest_ack_timestamp || completed.trigger_timestamp : undefined;
  if (failed && (!lastCompletedAt || (failed.failure_timestamp ?? failed.trigger_timestamp) > lastCompletedAt)) {
    return `Checkpoint ${failed.id} failed${failed.failure_message ? `: ${failed.failure_message}` : ''}`;
  }
  const patience = Math.max(3 * config.interval, 30000);
  const since = lastCompletedAt ?? runningSince;
  if (since !== undefined && now - since > patience) {
    return lastCompletedAt
      ? `No checkpoint completed for ${Math.round((now - lastCompletedAt) / 1000)} s (interval ${Math.round(config.interval / 1000)} s)`
      : `No checkpoint completed since the job started ${Math.round((now - since) / 1000)} s ago (interval ${Math.round(config.interval / 1000)} s)`;
  }
  return undefined;
}

export function checkpointsOf(stats: CheckpointingStatistics | undefined, config: CheckpointConfig | undefined, runningSince: number | undefined, now: number): CheckpointsData {
  const counts = stats?.counts;
  return {
    enabled: !!config && config.interval > 0 && config.interval < DISABLED_INTERVAL,
    intervalMs: config?.interval,
    retainedOnCancel: config?.externalization ? config.externalization.enabled && !config.externalization.delete_on_cancellation : undefined,
    counts: { completed: counts?.completed ?? 0, failed: counts?.failed ?? 0, inProgress: counts?.in_progress ?? 0, restored: counts?.restored ?? 0 },
    latest: stats?.latest.completed ? row(stats.latest.completed) : undefined,
    latestFailure: stats?.latest.failed ? row(stats.latest.failed) : undefined,
    restoredFrom: stats?.latest.restored?.external_path ?? undefined,
    history: (stats?.history ?? []).map(row),
    warning: checkpointWarning(stats, config, runningSince, now),
  };
}

/** When the job switched to RUNNING (ms), for "no checkpoint since the start". */
export function runningSince(details: Pick<JobDetails, 'timestamps' | 'start-time'>): number | undefined {
  const t = details.timestamps?.RUNNING;
  return typeof t === 'number' && t > 0 ? t : details['start-time'] > 0 ? details['start-time'] : undefined;
}

/**
 * Reads a running job's streaming figures. Remembers each vertex's last figures: Flink's metric store answers []
 * between its fetches, and the graph must not blink to empty then.
 */
export class StreamingJobViews {
  private readonly lastFigures = new Map<string, Map<string, VertexFigures>>();
  private readonly configs = new Map<string, CheckpointConfig | undefined>();

  async graph(client: FlinkRestClient, details: JobDetails): Promise<JobGraphData> {
    const jobId = details.jid;
    const reads = new StreamingJobReads(client);
    const last = this.lastFigures.get(jobId) ?? new Map<string, VertexFigures>();
    this.lastFigures.set(jobId, last);
    if (details.state === 'RUNNING') {
      await Promise.all(details.vertices.map(async (v) => {
        const [metrics, watermark] = await Promise.all([
          reads.vertexMetrics(jobId, v.id).catch(() => new Map<string, AggregatedMetric>()),
          reads.lowWatermark(jobId, v.id).catch(() => undefined),
        ]);
        const figures = vertexFiguresOf(metrics) ?? last.get(v.id);
        if (figures) last.set(v.id, { ...figures, lowWatermark: watermark ?? figures.lowWatermark });
        else if (watermark !== undefined) last.set(v.id, { lowWatermark: watermark });
      }));
    }
    return jobGraphOf(details, last);
  }

  async checkpoints(client: FlinkRestClient, details: JobDetails, now = Date.now()): Promise<CheckpointsData | undefined> {
    const reads = new StreamingJobReads(client);
    const jobId = details.jid;
    const [stats, config] = await Promise.all([
      reads.checkpoints(jobId).catch(() => undefined),
      this.configs.has(jobId) ? Promise.resolve(this.configs.get(jobId)) : reads.checkpointConfig(jobId).catch(() => undefined),
    ]);
    if (config) this.configs.set(jobId, config);
    if (!stats && !config) return undefined;
    return checkpointsOf(stats, config, details.state === 'RUNNING' ? runningSince(details) : undefined, details.state === 'RUNNING' ? now : 0);
  }

  forget(jobId: string): void {
    this.lastFigures.delete(jobId);
    this.configs.delete(jobId);
  }
}

