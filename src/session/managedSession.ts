// What the SessionManager keeps per session and per followed job, and the handles it is given: the shapes the manager,
// its poll and the VS Code layer share.
import type * as vscode from 'vscode';
import type { FlinkRestClient } from '../core/flink/FlinkRestClient';
import type { JarSubmitter } from '../core/flink/JarSubmitter';
import type { JobWatcher } from '../core/flink/JobWatcher';
import type { LogKind, MetricSampleData } from '../webviews/protocol';
import type { PollMemory } from './flinkPollPlan';
import type { TaskManagerPanelReads } from './taskManagerPanelData';
import type { SessionView, StateChange } from './sessionViews';

/** What a Mesos-backed session gives the manager; implemented over the core's FlinkSession (see MesosSessionAdapter). */
export interface MesosSessionHandle extends vscode.Disposable {
  /** Fires whenever the core's view of the session changed (phase, tasks, agents, offers). */
  readonly onDidChange: vscode.Event<void>;
  /** The Mesos-side view: phase, master, framework, JobManager address, tasks and agents. Flink-side fields are filled by the manager. */
  snapshot(): Partial<SessionView>;
  stop(): Promise<void>;
  scale(taskManagers: number): Promise<void>;
  /** Drops the connection and keeps the framework (it survives for its failover timeout). */
  detach(): Promise<void>;
  /** Reads a Mesos sandbox file of one task (`stdout` or `stderr`). */
  readSandbox(taskId: string, file: 'stdout' | 'stderr', maxBytes: number): Promise<string>;
}

export interface ManagedSession {
  name: string;
  flink?: FlinkRestClient;
  /** Uploads (deduplicated per JobManager), slot and size checks, runs; rebuilt with the Flink client. */
  submitter?: JarSubmitter;
  mesos?: MesosSessionHandle;
  subscriptions: vscode.Disposable[];
  /** Heap/non-heap samples per TaskManager, for the chart. */
  samples: Map<string, MetricSampleData[]>;
  /** Program arguments of the jobs submitted from this window, to find their output files. */
  jobArgs: Map<string, string[]>;
  jobTimelines: Map<string, StateChange[]>;
  polling?: Promise<void>;
  /** What the polls of this JobManager read last (flinkPollPlan): the lists are read again only when they changed. */
  poll: PollMemory;
  /** Per open TaskManager panel: its last details and log tail, reused until the next read is due. */
  panelReads: Map<string, TaskManagerPanelReads>;
}

export interface SubmitRequest {
  jarPath: string;
  entryClass?: string;
  args: string[];
  parallelism?: number;
  savepointPath?: string;
  allowNonRestoredState?: boolean;
  restoreMode?: 'CLAIM' | 'NO_CLAIM';
}

export interface LogTarget { session: string; taskManagerId?: string; log: LogKind }

/** One job followed by a JobWatcher: for the tree until it ends (tracked) and/or for open Job Result panels. */
export interface FollowedJob {
  key: string;
  watcher: JobWatcher;
  listeners: Set<{ onChange: () => void; onEnd: () => void }>;
  /** Submitted, cancelled or stopped from this window: followed until it ends even with no panel open. */
  tracked: boolean;
}
