// The one typed protocol between the extension's panels and their webviews.
// Imported by src/ (Node) and media/ (browser): it must not import vscode or Node modules.

export type PanelKind = 'sessionResources' | 'taskManager' | 'jobResult';
export const PANEL_KINDS: readonly PanelKind[] = ['sessionResources', 'taskManager', 'jobResult'];

/** Which resource a panel shows; kept in the webview's state so a serializer can restore it after a reload. */
export interface PanelResource {
  kind: PanelKind;
  session: string;
  /** TaskManager id or job id; absent for Session Resources. */
  id?: string;
}

// ---- data the extension sends (every string in here came from the cluster: the webview shows it with textContent only)

/** ports: the task's own (RPC, REST, blob, data); assignedPorts: the port-assignment keys' ports, by Flink option. */
export interface TaskPlacementData { taskId: string; role: 'JobManager' | 'TaskManager'; state: string; cpus: number; memMb: number; ports: number[]; assignedPorts?: Record<string, number> }
export interface AgentUsageData { agentId: string; hostname: string; cpusTotal?: number; memMbTotal?: number; tasks: TaskPlacementData[] }
/** An offer the session declined while it waited: the agent's host, why, and when (ms since the epoch). */
export interface DeclinedOfferData { agent: string; reason: string; at: number }
/** An agent Mesos wants back: its machine's maintenance window (ms since the epoch) or a drain, and the session's answer. */
export interface MaintenanceAgentData { agentId: string; hostname: string; from?: number; until?: number; draining: boolean; answer?: 'accepted' | 'declined' | 'pending' }
export interface SessionResourcesData {
  session: string;
  phase: string;
  phaseDetail?: string;
  master: string;
  agents: AgentUsageData[];
  asked: { cpus: number; memMb: number; taskManagers: number | 'greedy' };
  used: { cpus: number; memMb: number; taskManagers: number };
  declinedOffers: DeclinedOfferData[];
  /** Agents under maintenance or being drained. */
  maintenance?: MaintenanceAgentData[];
}

export interface StateChangeData { state: string; at: number; message?: string }
export interface MetricSampleData { at: number; heapUsed: number; heapMax?: number; nonHeapUsed: number; nonHeapMax?: number }
export interface TaskManagerData {
  session: string;
  id: string;
  agentHost?: string;
  agentId?: string;
  mesosState?: string;
  stateHistory: StateChangeData[];
  hasSandbox: boolean;
  registered: boolean;
  slotsTotal?: number;
  slotsFree?: number;
  memoryConfiguration: { key: string; value: string }[];
  samples: MetricSampleData[];
  logTail: string[];
  logSource: string;
  error?: string;
}

export interface VertexData { name: string; parallelism: number; status: string; readRecords?: number; writeRecords?: number; readBytes?: number; writeBytes?: number }
export interface ExceptionData { name?: string; message: string; at?: number; taskManagerId?: string }

/** One box of the job graph; figures are per second over all subtasks, undefined until Flink reports them. */
export interface GraphVertexData {
  id: string;
  name: string;
  parallelism: number;
  status: string;
  recordsInPerSecond?: number;
  recordsOutPerSecond?: number;
  /** Highest over the subtasks, 0..1000 ms per second. */
  busyMsPerSecond?: number;
  backPressuredMsPerSecond?: number;
  /** Lowest input watermark over the subtasks (ms since the epoch). */
  lowWatermark?: number;
}
export interface GraphEdgeData { from: string; to: string; shipStrategy: string }
export interface JobGraphData { vertices: GraphVertexData[]; edges: GraphEdgeData[] }

export interface CheckpointRowData { id: number; status: string; savepoint: boolean; at: number; durationMs: number; sizeBytes: number; failure?: string; path?: string }
export interface CheckpointsData {
  /** False when the job has no checkpointing: only counts and history from savepoints remain. */
  enabled: boolean;
  intervalMs?: number;
  retainedOnCancel?: boolean;
  counts: { completed: number; failed: number; inProgress: number; restored: number };
  latest?: CheckpointRowData;
  latestFailure?: CheckpointRowData;
  restoredFrom?: string;
  /** Newest first. */
  history: CheckpointRowData[];
  /** Why the checkpoints look unhealthy (failing, or none completed for too long); undefined when fine. */
  warning?: string;
}
/** A savepoint of this job kept in the session's savepoint history. */
export interface SavepointRowData { path: string; at: number; kind: string }
export interface JobResultData {
  session: string;
  id: string;
  name: string;
  state: string;
  startTime?: number;
  endTime?: number;
  durationMs?: number;
  timeline: StateChangeData[];
  vertices: VertexData[];
  accumulators: { name: string; type: string; value: string }[];
  rootException?: string;
  /** What to do about a failure the core recognises (e.g. a savepoint path the JobManager cannot read). */
  rootExceptionFix?: string;
  exceptionHistory: ExceptionData[];
  /** Local files named in the job's arguments (e.g. WordCount's --output); the webview refers to them by index only. */
  outputFiles: { label: string; exists: boolean }[];
  /** Streaming jobs (or any job while it runs): the graph with live figures, checkpoints, savepoints. */
  graph?: JobGraphData;
  checkpoints?: CheckpointsData;
  savepoints?: SavepointRowData[];
  /** A savepoint being taken from this panel or elsewhere: its progress text. */
  savepointProgress?: string;
  error?: string;
}

export type PanelData =
  | { kind: 'sessionResources'; data: SessionResourcesData }
  | { kind: 'taskManager'; data: TaskManagerData }
  | { kind: 'jobResult'; data: JobResultData };

/** Extension -> webview. */
export type HostMessage =
  | { type: 'update'; resource: PanelResource; payload: PanelData }
  | { type: 'gone'; resource: PanelResource; reason: string }
  | { type: 'reply'; requestId: number; ok: boolean; error?: string };

// ---- what a webview may ask for: a closed list of actions, each naming only things the extension already knows

export type WebviewAction =
  | { action: 'refresh' }
  | { action: 'openOutputFile'; index: number }
  | { action: 'showLogs'; log: LogKind }
  | { action: 'showTaskManager'; taskManagerId: string }
  | { action: 'openFlinkUi' }
  | { action: 'triggerSavepoint' }
  | { action: 'upgradeJob' }
  | { action: 'showTaskManagerLog'; taskManagerId: string; at: number }
  | { action: 'openMesosUi' }
  | { action: 'openSandbox' };

export type LogKind = 'flinkLog' | 'flinkStdout' | 'sandboxStdout' | 'sandboxStderr';
export const LOG_KINDS: readonly LogKind[] = ['flinkLog', 'flinkStdout', 'sandboxStdout', 'sandboxStderr'];

/** Webview -> extension. */
export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'request'; requestId: number; request: WebviewAction };

const MAX_ID_LENGTH = 512;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isSafeId(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_ID_LENGTH;
}

/**
 * Checks a message from a webview before anything acts on it. Unknown types, unknown actions,
 * extra or ill-typed fields give undefined: the caller drops the message and logs it.
 */
export function parseWebviewMessage(raw: unknown): WebviewMessage | undefined {
  if (!isRecord(raw)) return undefined;
  if (raw.type === 'ready') return Object.keys(raw).length === 1 ? { type: 'ready' } : undefined;
  if (raw.type !== 'request') return undefined;
  const { requestId, request } = raw;
  if (typeof requestId !== 'number' || !Number.isSafeInteger(requestId) || requestId < 0) return undefined;
  if (!isRecord(request)) return undefined;
  const keys = Object.keys(request).sort().join(',');
  let parsed: WebviewAction | undefined;
  switch (request.action) {
    case 'refresh':
    case 'triggerSavepoint':
    case 'upgradeJob':
    case 'openFlinkUi':
    case 'openMesosUi':
    case 'openSandbox':
      parsed = keys === 'action' ? { action: request.action } : undefined;
      break;
    case 'openOutputFile':
      parsed = keys === 'action,index' && typeof request.index === 'number' && Number.isSafeInteger(request.index) && request.index >= 0
        ? { action: 'openOutputFile', index: request.index } : undefined;
      break;
    case 'showLogs':
      parsed = keys === 'action,log' && (LOG_KINDS as readonly unknown[]).includes(request.log)
        ? { action: 'showLogs', log: request.log as LogKind } : undefined;
      break;
    case 'showTaskManager':
      parsed = keys === 'action,taskManagerId' && isSafeId(request.taskManagerId)
        ? { action: 'showTaskManager', taskManagerId: request.taskManagerId } : undefined;
      break;
    case 'showTaskManagerLog':
      parsed = keys === 'action,at,taskManagerId' && isSafeId(request.taskManagerId) && typeof request.at === 'number' && Number.isSafeInteger(request.at) && request.at >= 0
        ? { action: 'showTaskManagerLog', taskManagerId: request.taskManagerId, at: request.at } : undefined;
      break;
    default:
      parsed = undefined;
  }
  return parsed ? { type: 'request', requestId, request: parsed } : undefined;
}

/** Checks a panel's saved state (it comes back from the webview after a reload). */
export function parsePanelResource(raw: unknown): PanelResource | undefined {
  if (!isRecord(raw)) return undefined;
  const { kind, session, id } = raw;
  if (!(PANEL_KINDS as readonly unknown[]).includes(kind) || !isSafeId(session)) return undefined;
  if (kind === 'sessionResources') return { kind, session };
  if (!isSafeId(id)) return undefined;
  return { kind: kind as PanelKind, session, id };
}

export function panelKey(r: PanelResource): string {
  return JSON.stringify([r.kind, r.session, r.id ?? '']);
}
