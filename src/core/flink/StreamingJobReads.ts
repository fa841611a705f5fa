// The streaming reads of a running job (checkpoints, per-vertex rates, back pressure, watermarks) over the
// FlinkRestClient's own GET primitive, so they share its pool, retries and error mapping.
import type { FlinkRestClient, RequestOptions } from './FlinkRestClient';
import { FlinkRestError } from './FlinkRestError';
import type { AggregatedMetric, CheckpointConfig, CheckpointingStatistics, VertexBackPressure, WatermarkMetric } from './streamingRestTypes';

type GetJson = <T>(path: string, options?: RequestOptions) => Promise<T>;

/**
 * The task metrics the job graph shows; every task has them from Flink 1.13 on. Flink answers [] for the whole request
 * when one asked metric is missing on the vertex (a source has no currentInputWatermark), so watermarks are read apart.
 */
export const VERTEX_RATE_METRICS = ['numRecordsInPerSecond', 'numRecordsOutPerSecond', 'busyTimeMsPerSecond', 'backPressuredTimeMsPerSecond'] as const;

/** Flink's "no watermark yet" value (Long.MIN_VALUE) arrives as a double near -9.22e18. */
export const NO_WATERMARK = -9223372036854776000;

export class StreamingJobReads {
  private readonly get: GetJson;

  constructor(client: Pick<FlinkRestClient, 'getJson'>) {
    this.get = client.getJson.bind(client) as GetJson;
  }

  private job(jobId: string): string {
    return `/jobs/${encodeURIComponent(jobId)}`;
  }

  checkpoints(jobId: string): Promise<CheckpointingStatistics> {
    return this.get(`${this.job(jobId)}/checkpoints`);
  }

  /** Undefined when the job has no checkpointing (Flink answers 404 "Checkpointing is not enabled"). */
  async checkpointConfig(jobId: string): Promise<CheckpointConfig | undefined> {
    try {
      return await this.get<CheckpointConfig>(`${this.job(jobId)}/checkpoints/config`);
    } catch (err) {
      if (err instanceof FlinkRestError && err.status === 404 && /checkpointing is not enabled|not enabled/i.test(err.fullText ?? err.message)) return undefined;
      throw err;
    }
  }

  /**
   * Task metrics of one vertex aggregated over its subtasks. Flink's metric store fills lazily and may answer []
   * between fetches: callers keep their previous figures then.
   */
  async vertexMetrics(jobId: string, vertexId: string, names: readonly string[] = VERTEX_RATE_METRICS): Promise<Map<string, AggregatedMetric>> {
    const answer = await this.get<AggregatedMetric[]>(`${this.job(jobId)}/vertices/${encodeURIComponent(vertexId)}/subtasks/metrics`, {
      query: { get: names.join(','), agg: 'min,max,avg,sum' },
    });
    return new Map((Array.isArray(answer) ? answer : []).map((m) => [m.id, m]));
  }

  backPressure(jobId: string, vertexId: string): Promise<VertexBackPressure> {
    return this.get(`${this.job(jobId)}/vertices/${encodeURIComponent(vertexId)}/backpressure`);
  }

  /** The lowest input watermark over the vertex's subtasks (ms), undefined when none has one yet. */
  async lowWatermark(jobId: string, vertexId: string): Promise<number | undefined> {
    const answer = await this.get<WatermarkMetric[]>(`${this.job(jobId)}/vertices/${encodeURIComponent(vertexId)}/watermarks`);
    return lowestWatermark((Array.isArray(answer) ? answer : []).map((w) => Number(w.value)));
  }
}

export function lowestWatermark(values: readonly number[]): number | undefined {
  const real = values.filter((v) => Number.isFinite(v) && v > NO_WATERMARK / 2);
  if (real.length === 0 || real.length < values.length) return undefined; // one subtask without a watermark holds the vertex back
  return Math.min(...real);
}
