// What the UI shows about a session: plain data the SessionManager fills from the core's events and Flink's REST API.
// Trees, panels and the status bar read only these; none of them talks to Mesos or Flink.
import type { AgentUsageData, DeclinedOfferData, MaintenanceAgentData, TaskPlacementData } from '../webviews/protocol';

export type SessionPhase =
  | 'subscribing' | 'launchingJobManager' | 'jobManagerUp' | 'recoveringJobManager' | 'taskManagers' | 'running'
  | 'stopping' | 'stopped' | 'failed' | 'disconnected' | 'attached'
  /** The master answered and no longer knows the framework: nothing runs; Forget frees the name. */
  | 'gone';

export interface StateChange { state: string; at: number; message?: string }

export interface TaskManagerView {
  /** Flink's resource id, which is the Mesos task id for TaskManagers we launched. */
  id: string;
  agentId?: string;
  agentHost?: string;
  mesosState?: string;
  stateHistory: StateChange[];
  registered: boolean;
  slotsTotal?: number;
  slotsFree?: number;
  memoryMb?: number;
  /** Milliseconds since Flink last heard from it, as Flink reported at `observedAt`. */
  heartbeatAgoMs?: number;
  observedAt?: number;
  lost: boolean;
  /** Its agent is cut off (TASK_UNREACHABLE); replacedAfterGrace once the grace period passed and another took its place. */
  unreachable?: boolean;
  replacedAfterGrace?: boolean;
  /** The id of the TaskManager that replaced this one. */
  replacedBy?: string;
  /** Its agent is wanted back: a maintenance window (from an inverse offer) or a drain; movedTo once its replacement took over. */
  maintenance?: { from?: number; until?: number; draining: boolean; movedTo?: string };
  hasSandbox: boolean;
}

export interface JobView {
  id: string;
  name: string;
  state: string;
  startTime?: number;
  endTime?: number;
  durationMs?: number;
  /** Running jobs: when the last checkpoint completed, and why checkpoints look unhealthy. */
  checkpoint?: { lastCompletedAt?: number; warning?: string };
}

export interface JarView { id: string; name: string; uploaded?: number; entryClasses: string[] }

// Placement and declines reach the Session Resources panel unchanged: one shape, the protocol's.
// Placement and declines reach the Session Resources panel unchanged: one shape, the protocol's.
export type TaskPlacement = TaskPlacementData;

/** A task's ports for Session Resources: the session's own, and those of the port-assignment keys (Flink options: dotted names). */
export function placementPorts(ports: Record<string, number>): Pick<TaskPlacementData, 'ports' | 'assignedPorts'> {
  const own: number[] = [];
  let assignedPorts: Record<string, number> | undefined;
  for (const [key, port] of Object.entries(ports)) {
    if (key.includes('.')) (assignedPorts ??= {})[key] = port;
    else own.push(port);
  }
  return assignedPorts ? { ports: own, assignedPorts } : { ports: own };
}
export type AgentUsage = AgentUsageData;
export type DeclinedOffer = DeclinedOfferData;

export interface SessionView {
  name: string;
  phase: SessionPhase;
  /** e.g. "needs 8192 MB per TaskManager; the largest offer so far has 4096 MB on agent X", or a failure reason. */
  phaseDetail?: string;
  /** The JobManager ended a session without HA: it can be started again with the same options (its jobs are not recovered). */
  restartable?: boolean;
  /** Attached to a JobManager by address: no Mesos framework of ours behind it. */
  jobManagerOnly: boolean;
  /** This window follows a session that another client (a window, a terminal) drives, and sends it Scale and Stop. */
  readOnly: boolean;
  master?: string;
  mesosUiUrl?: string;
  frameworkId?: string;
  /** The user the session's Mesos tasks run as (the framework user). */
  user?: string;
  flinkVersion?: string;
  /** restCaFile: the PEM CA an https JobManager's certificate is verified against (the session's --flink-rest-ca). */
  jobManager?: { host: string; port: number; restUrl: string; mesosState?: string; restCaFile?: string };
  flinkReachable: boolean;
  taskManagersWanted: number | 'greedy';
  taskManagers: TaskManagerView[];
  slotsTotal: number;
  slotsFree: number;
  jobs: JobView[];
  jars: JarView[];
  agents: AgentUsage[];
  asked: { cpus: number; memMb: number };
  declinedOffers: DeclinedOffer[];
  /** Agents Mesos wants back (maintenance windows, drains); the JobManager's problem with it, if any. */
  maintenance?: MaintenanceAgentData[];
  maintenanceProblem?: string;
  startedAt?: number;
  /** Set for an application cluster (one jar; torn down when its job ends). */
  application?: ApplicationView;
}

export interface ApplicationView {
  jar: string;
  entryClass?: string;
  jobId?: string;
  jobState?: string;
  /** Once it ended: succeeded, failed, canceled or stopped, with why, the root cause and the savepoint. */
  outcome?: string;
  reason?: string;
  rootCause?: string;
  savepoint?: string;
}

export function emptySessionView(name: string, init: Partial<SessionView> = {}): SessionView {
  return {
    name, phase: 'subscribing', jobManagerOnly: false, readOnly: false, flinkReachable: false,
    taskManagersWanted: 0, taskManagers: [], slotsTotal: 0, slotsFree: 0, jobs: [], jars: [], agents: [],
    asked: { cpus: 0, memMb: 0 }, declinedOffers: [], ...init,
  };
}

export const ENDED_PHASES: readonly SessionPhase[] = ['stopped', 'failed', 'gone'];
export const TERMINAL_JOB_STATES: readonly string[] = ['FINISHED', 'FAILED', 'CANCELED', 'SUSPENDED'];

export function registeredCount(s: SessionView): number {
  return s.taskManagers.filter(t => t.registered && !t.lost).length;
}

export function liveTaskManagers(s: SessionView): TaskManagerView[] {
  return s.taskManagers.filter(t => !t.lost);
}
