// Shapes of the streaming reads of Flink's REST API (checkpoints, vertex metrics, back pressure, watermarks),
// as Flink 1.13 to 2.3 send them (recorded from 2.3.0 in test/fixtures/flink-rest-streaming/2.3.0/ and test/fixtures/flink-rest/<version>/).

/** min/max/avg and percentiles of one checkpoint figure (p50... only from 1.13 on). */
export interface CheckpointFigureSummary { min: number; max: number; avg: number; p50?: number; p90?: number; p99?: number }

export interface CheckpointStatistics {
  /** "completed" | "failed" | "in_progress" (1.x also "pending"). */
  className?: string;
  id: number;
  status: 'COMPLETED' | 'FAILED' | 'IN_PROGRESS';
  is_savepoint: boolean;
  trigger_timestamp: number;
  latest_ack_timestamp: number;
  /** 1.15+: the incremental size; state_size is the full size. */
  checkpointed_size?: number;
  state_size: number;
  end_to_end_duration: number;
  num_subtasks: number;
  num_acknowledged_subtasks: number;
  checkpoint_type?: string;
  external_path?: string;
  discarded?: boolean;
  failure_timestamp?: number;
  failure_message?: string | null;
}

export interface RestoredCheckpointStatistics { id: number; restore_timestamp: number; is_savepoint: boolean; external_path?: string }

export interface CheckpointingStatistics {
  counts: { restored: number; total: number; in_progress: number; completed: number; failed: number };
  summary?: Record<string, CheckpointFigureSummary | undefined>;
  latest: {
    completed: CheckpointStatistics | null;
    savepoint: CheckpointStatistics | null;
    failed: CheckpointStatistics | null;
    restored: RestoredCheckpointStatistics | null;
  };
  /** Newest first, at most web.checkpoints.history entries (10 by default). */
  history: CheckpointStatistics[];
}

export interface CheckpointConfig {
  mode: string;
  interval: number;
  timeout: number;
  min_pause?: number;
  max_concurrent?: number;
  externalization?: { enabled: boolean; delete_on_cancellation: boolean };
  state_backend?: string;
  checkpoint_storage?: string;
  unaligned_checkpoints?: boolean;
  tolerable_failed_checkpoints?: number;
}

/** An item of /jobs/:id/vertices/:vid/subtasks/metrics?get=...&agg=...; only the asked aggregates are present. */
export interface AggregatedMetric { id: string; min?: number; max?: number; avg?: number; sum?: number }

export type BackPressureLevel = 'ok' | 'low' | 'high';
export interface VertexBackPressure {
  status: 'ok' | 'deprecated';
  backpressureLevel?: BackPressureLevel;
  'backpressure-level'?: BackPressureLevel;
  'end-timestamp'?: number;
  subtasks?: { subtask: number; backpressureLevel?: BackPressureLevel; ratio: number; idleRatio?: number; busyRatio?: number }[];
}

/** /jobs/:id/vertices/:vid/watermarks: one entry per subtask, id "N.currentInputWatermark", value in ms as a string. */
export interface WatermarkMetric { id: string; value: string }
