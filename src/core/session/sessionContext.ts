// What the parts of one session share: its record, its Mesos client, and the few calls one part makes on another.
// FlinkSession builds it; the parts (offers, tasks, reconciliation, registration, lease) never see each other's fields.
import type { ConnectionState } from '../mesos/SchedulerClient';
import { TERMINAL_TASK_STATES } from '../mesos/types';
import type { Logger } from '../log';
import type { SessionPhase, SessionRecord, TaskRecord } from './SessionStore';
import type { FlinkSessionDeps, FlinkSessionEvents, PhaseDetail, SchedulerApi, SessionTimings } from './sessionTypes';
import type { OfferHandler } from './OfferHandler';
import type { TaskTracker } from './TaskTracker';
import type { TaskReconciler } from './TaskReconciler';
import type { TaskManagerRegistration } from './TaskManagerRegistration';
import type { StoreLease } from './StoreLease';
import type { JobManagerRecovery } from './JobManagerRecovery';
import type { AgentMaintenance } from './AgentMaintenance';

export const ACTIVE = (t: TaskRecord): boolean => !TERMINAL_TASK_STATES.has(t.state);

export const END_PHASES: ReadonlySet<SessionPhase> = new Set(['stopped', 'failed', 'detached']);

export interface SessionContext {
  readonly log: Logger;
  readonly timings: SessionTimings;
  readonly deps: FlinkSessionDeps;
  readonly attaching: boolean;
  /** The session's record (start() may swap in the saved one, so read it each time). */
  readonly record: SessionRecord;
  readonly scheduler: SchedulerApi | undefined;
  readonly connection: ConnectionState;
  readonly lease: StoreLease;
  readonly offers: OfferHandler;
  readonly tasks: TaskTracker;
  readonly reconciler: TaskReconciler;
  readonly registration: TaskManagerRegistration;
  readonly recovery: JobManagerRecovery;
  readonly maintenance: AgentMaintenance;
  emit<K extends keyof FlinkSessionEvents>(event: K, ...args: FlinkSessionEvents[K]): void;
  /** Any change: for views that re-render from snapshot(). */
  changed(): void;
  setPhase(phase: SessionPhase, detail: PhaseDetail, force?: boolean): void;
  persist(): Promise<void>;
  /** Runs fn after every event handler queued before it, one at a time. */
  serial(fn: () => Promise<void> | void): Promise<void>;
  /** Neither ended nor stopping. */
  isLive(): boolean;
  /** Tears the session down and ends it as failed; kind names the failure for callers that map it (snapshot().failureKind). */
  failSession(reason: string, kind?: string): Promise<void>;
}
