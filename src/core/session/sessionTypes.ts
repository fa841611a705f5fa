// The session's public shapes: what it needs from Mesos and Flink, its timings and dependencies, its snapshot and events.
import type { AgentUnderMaintenance } from './AgentMaintenance';
import type { SchedulerClient, ConnectionState, SchedulerClientOptions } from '../mesos/SchedulerClient';
import type { Credentials, TlsOptions } from '../mesos/http';
import type { Logger } from '../log';
import type { SessionOptions } from './SessionOptions';
import type { AgentOfferNow, DeclinedOffer, PartialFit, PartialFitChoice } from './offerDiagnosis';
import type { SessionPhase, SessionStore, TaskRecord } from './SessionStore';
import type { OperatorApi } from './operatorTasks';

/** What the session needs from Flink's REST API (FlinkRestClient has it). */
export interface FlinkClusterApi {
  overview(): Promise<{ taskmanagers: number; 'slots-total': number; 'slots-available': number; 'flink-version'?: string }>;
  taskManagers(): Promise<{ id: string; slotsNumber: number; freeSlots: number }[]>;
  close?(): Promise<void>;
}

/** What the session needs from the Mesos scheduler client (SchedulerClient has it). */
export type SchedulerApi = Pick<SchedulerClient, 'on' | 'off' | 'start' | 'close' | 'accept' | 'decline' | 'answerInverseOffers' | 'kill' | 'acknowledge'
  | 'reconcile' | 'revive' | 'suppress' | 'teardown' | 'frameworkId' | 'state' | 'leaderUrl'>;

export interface SessionTimings {
  /** Flink REST polls while the JobManager or TaskManagers come up. */
  flinkPollMs: number;
  /** Flink REST polls once running (TaskManager registration after replacements). */
  runningPollMs: number;
  /** First wait before asking again about tasks that got no reconciliation answer (doubles up to reconcileMaxMs). */
  reconcileInitialMs: number;
  reconcileMaxMs: number;
  /** Implicit reconciliation (every task the master knows) now and then. */
  implicitReconcileMs: number;
  /** A task still STAGING this long after launch is reconciled early. */
  launchReconcileMs: number;
  /** Start fails when no master accepted the subscription within this time. */
  subscribeTimeoutMs: number;
  /** Stop checks the operator API this long for tasks left over. */
  stopVerifyTimeoutMs: number;
  /** A refused TEARDOWN is sent again this many times, this far apart, before the tasks are killed one by one. */
  teardownRetries: number;
  teardownRetryMs: number;
  /** Owner heartbeat written to the store, and when another client's heartbeat counts as stale. */
  leaseHeartbeatMs: number;
  leaseStaleMs: number;
  /** Housekeeping tick (fit timeout, early reconciliation, lease). */
  tickMs: number;
  /** Scheduler client timings. */
  heartbeatMissedIntervals?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  callTimeoutMs?: number;
  connectTimeoutMs?: number;
  flinkTimeoutMs: number;
  /** With HA: how long a ZooKeeper probe waits, and how often a running session probes. */
  zookeeperProbeMs?: number;
  zookeeperCheckMs?: number;
}

export const DEFAULT_TIMINGS: SessionTimings = {
  flinkPollMs: 500, runningPollMs: 10000, reconcileInitialMs: 2000, reconcileMaxMs: 60000, implicitReconcileMs: 10 * 60000,
  launchReconcileMs: 120000, subscribeTimeoutMs: 20000, stopVerifyTimeoutMs: 30000, teardownRetries: 3, teardownRetryMs: 500,
  leaseHeartbeatMs: 5000, leaseStaleMs: 20000,
  tickMs: 1000, flinkTimeoutMs: 5000,
};

export interface FlinkSessionDeps {
  store: SessionStore;
  log?: Logger;
  /** Mesos HTTP credentials (never stored). */
  credentials?: Credentials;
  tls?: TlsOptions;
  /** Looks up the Flink TLS stores' password by its variable name (--flink-ssl-password-env); never stored. */
  flinkSslPassword?: (name: string) => string | undefined;
  timings?: Partial<SessionTimings>;
  createScheduler?: (options: SchedulerClientOptions) => SchedulerApi;
  createFlinkApi?: (restUrl: string) => FlinkClusterApi;
  createOperatorApi?: (leaderUrl: () => string | undefined) => OperatorApi;
  /**
   * Asked once when a start's fit timeout runs out with the JobManager and some TaskManagers placed: keep the session smaller
   * than asked, or stop it. Without it (or when it fails) the session stops: nothing is left behind.
   */
  decidePartialFit?: (fit: PartialFit) => PartialFitChoice | Promise<PartialFitChoice>;
}

export interface TaskManagerProgress {
  /** null in greedy mode. */
  wanted: number | null;
  launched: number;
  running: number;
  /** Registered in Flink (seen in /taskmanagers). */
  registered: number;
}

export interface SessionSnapshot {
  name: string;
  phase: SessionPhase;
  reason?: string;
  frameworkId?: string;
  masters: string;
  leaderUrl?: string;
  connection: ConnectionState;
  jobManagerUrl?: string;
  /** Flink's dashboard (the REST address) when the web UI is on. */
  flinkUiUrl?: string;
  mesosUiUrl?: string;
  jobManager?: TaskRecord;
  taskManagers: TaskRecord[];
  progress: TaskManagerProgress;
  diagnosis?: string;
  /** TaskManager replacement stopped by the failure-rate limit. */
  replacementBlocked: boolean;
  /** Subscribed, and the master answered about every task saved (after a start, attach or re-subscription). */
  reconciled: boolean;
  /** The last offers declined while the session was not running (oldest first, at most DECLINED_OFFERS_KEPT): per agent, why. */
  declinedOffers: DeclinedOffer[];
  /** While something is still missing: each agent's last offer as it is now (after the session's own tasks), with why it does not fit. */
  offersNow: AgentOfferNow[];
  /** What ended the session when it failed, for callers that map it (the CLI's exit codes): a MesosError kind, or 'unreachable'. */
  failureKind?: string;
  /** ZooKeeper HA is on: a lost JobManager is relaunched (phase recoveringJobManager) and its jobs recover. */
  highAvailability: boolean;
  /** The JobManager's launch number: 1, then one more for each relaunch after a loss. */
  jobManagerGeneration: number;
  /** With HA: ZooKeeper does not answer (set while it lasts). */
  highAvailabilityProblem?: string;
  /** Agents Mesos wants back (inverse offers: a maintenance window; drains). */
  agentsUnderMaintenance: AgentUnderMaintenance[];
  /** The JobManager runs on such an agent: what that means and what to do. */
  maintenanceProblem?: string;
  options: SessionOptions;
}

export interface PhaseDetail { reason?: string; jobManagerUrl?: string }

export interface StopResult {
  /** Tasks of ours the master still listed when the check gave up (empty when clean). */
  leftTasks: string[];
  verified: boolean;
  /** Set when the master never took TEARDOWN: the framework stays registered until its failover timeout passes. */
  frameworkLeft?: true;
}

export type FlinkSessionEvents = {
  phase: [SessionPhase, PhaseDetail];
  progress: [TaskManagerProgress];
  /** Offers do not fit what is needed: what is needed against the largest offer seen. */
  diagnosis: [string];
  warning: [string];
  connection: [ConnectionState, { reason?: string; retryInMs?: number }];
  task: [TaskRecord];
  /** The fit timeout ran out with part of the session placed: the session asks decidePartialFit (keep it smaller or stop). */
  partialFit: [PartialFit];
  /** Any change: for views that re-render from snapshot(). */
  changed: [SessionSnapshot];
};
