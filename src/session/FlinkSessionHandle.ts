// One FlinkSession as the VS Code layer sees it (its view for the tree, panels and status bar). Its own file: the
// application launcher extends it, and MesosSessionLauncher imports that launcher.
import * as vscode from 'vscode';
import { Logger } from '../core/log';
import { AgentFiles } from '../core/mesos/AgentFiles';
import { OperatorClient } from '../core/mesos/OperatorClient';
import { FlinkSession, FlinkSessionDeps, SessionSnapshot, TaskRecord } from '../core/session/FlinkSession';
import { JOB_MANAGER_LOST } from '../core/session/JobManagerRecovery';
import { FlinkLocation } from '../core/session/SessionOptions';
import { readSandboxTail } from './sandboxTail';
import { MesosSessionHandle } from './SessionManager';
import { AgentUsage, DeclinedOffer, SessionPhase, SessionView, TaskManagerView, placementPorts } from './sessionViews';

export function flinkLocation(text: string): FlinkLocation {
  const t = text.trim();
  if (/^docker:/i.test(t)) return { kind: 'docker', image: t.slice('docker:'.length) };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(t)) return { kind: 'uri', uri: t };
  return { kind: 'home', path: t };
}

/** A session's phase in words, for the start progress notification. */
export function describe(s: SessionSnapshot): string {
  switch (s.phase) {
    case 'subscribing': return `subscribing to ${s.masters}`;
    case 'launchingJobManager': return s.diagnosis ? `waiting for offers: ${s.diagnosis}` : 'launching the JobManager';
    case 'jobManagerUp': return `JobManager up at ${s.jobManagerUrl ?? ''}`;
    case 'recoveringJobManager': return `JobManager recovering${s.reason ? `: ${s.reason}` : ''}${s.diagnosis ? `; waiting for offers: ${s.diagnosis}` : ''}`;
    case 'taskManagers': return `TaskManagers ${s.progress.registered}/${s.progress.wanted ?? 'greedy'} registered${s.diagnosis ? `; ${s.diagnosis}` : ''}`;
    default: return s.phase;
  }
}

const MAX_LOST = 20;

/** One FlinkSession as the SessionManager sees it. Remembers TaskManagers that ended so the tree can show them as lost and replaced. */
export class FlinkSessionHandle implements MesosSessionHandle {
  protected readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly lost = new Map<string, TaskManagerView>();
  private readonly history = new Map<string, { state: string; at: number; message?: string }[]>();
  private known = new Map<string, TaskRecord>();
  private agents = new Map<string, { cpus?: number; mem?: number }>();
  private agentsFetchedAt = 0;
  private readonly files: AgentFiles;
  private readonly listener: () => void;

  constructor(protected readonly session: FlinkSession, private readonly deps: FlinkSessionDeps, private readonly log: Logger) {
    this.files = new AgentFiles({ credentials: deps.credentials, tls: deps.tls, log });
    this.listener = () => { this.track(); this.changed.fire(); };
    session.on('changed', this.listener);
    this.track();
    void this.fetchAgents();
  }

  private track(): void {
    const s = this.session.snapshot();
    const now = Date.now();
    const current = new Map([...s.taskManagers, ...(s.jobManager ? [s.jobManager] : [])].map(t => [t.taskId, t]));
    for (const t of current.values()) {
      const h = this.history.get(t.taskId) ?? [];
      if (h[h.length - 1]?.state !== t.state) h.push({ state: t.state, at: t.updatedAt || now, message: t.message });
      this.history.set(t.taskId, h);
    }
    const ending = s.phase === 'stopping' || s.phase === 'stopped' || s.phase === 'failed';
    for (const [id, t] of this.known) {
      if (current.has(id) || t.kind !== 'taskmanager' || t.killRequested || ending) continue;
      const replacement = s.taskManagers.find(n => !this.known.has(n.taskId));
      this.lost.set(id, {
        ...taskManagerView(t, this.history.get(id) ?? []), lost: true, registered: false, replacedBy: replacement?.taskId,
        mesosState: this.history.get(id)?.slice(-1)[0]?.state ?? t.state,
      });
      while (this.lost.size > MAX_LOST) this.lost.delete(this.lost.keys().next().value as string);
    }
    this.known = current;
    if (now - this.agentsFetchedAt > 30000) void this.fetchAgents();
  }

  private async fetchAgents(): Promise<void> {
    this.agentsFetchedAt = Date.now();
    const op = new OperatorClient({ masters: this.session.snapshot().masters, credentials: this.deps.credentials, tls: this.deps.tls, log: this.log, timeoutMs: 5000 });
    try {
      const agents = await op.getAgents();
      for (const a of agents.agents ?? []) {
        const res = a.total_resources ?? a.agent_info.resources ?? [];
        const scalar = (n: string): number | undefined => res.find(r => r.name === n)?.scalar?.value;
        this.agents.set(a.agent_info.id.value, { cpus: scalar('cpus'), mem: scalar('mem') });
      }
      this.changed.fire();
    } catch (err) {
      this.log.debug(`Mesos agents: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      await op.close().catch(() => undefined);
    }
  }

  snapshot(): Partial<SessionView> {
    const s = this.session.snapshot();
    const o = s.options;
    const tms = s.taskManagers.map(t => taskManagerView(t, this.history.get(t.taskId) ?? []));
    const jm = s.jobManager;
    const jmUrl = s.jobManagerUrl ? new URL(s.jobManagerUrl) : undefined;
    const agents = new Map<string, AgentUsage>();
    for (const t of [...(jm ? [jm] : []), ...s.taskManagers]) {
      const a = agents.get(t.agentId) ?? { agentId: t.agentId, hostname: t.hostname, cpusTotal: this.agents.get(t.agentId)?.cpus, memMbTotal: this.agents.get(t.agentId)?.mem, tasks: [] };
      const isJm = t.kind === 'jobmanager';
      a.tasks.push({ taskId: t.taskId, role: isJm ? 'JobManager' : 'TaskManager', state: t.state, cpus: isJm ? o.jobManagerCpus : o.taskManagerCpus, memMb: isJm ? o.jobManagerMemoryMb : o.taskManagerMemoryMb, ...placementPorts(t.ports) });
      agents.set(t.agentId, a);
    }
    const wanted = s.progress.wanted;
    return {
      phase: viewPhase(s),
      restartable: s.phase === 'failed' && s.failureKind === JOB_MANAGER_LOST ? true : undefined,
      phaseDetail: s.reason ?? s.diagnosis ?? (s.replacementBlocked ? 'TaskManager replacement stopped: the failure-rate limit was hit.' : undefined),
      master: s.masters, mesosUiUrl: s.mesosUiUrl, frameworkId: s.frameworkId, user: o.user,
      jobManager: jmUrl && jm ? { host: jmUrl.hostname, port: Number(jmUrl.port), restUrl: s.jobManagerUrl as string, mesosState: jm.state, restCaFile: o.flinkSsl?.restCaFile } : undefined,
      taskManagersWanted: wanted === null ? 'greedy' : wanted,
      taskManagers: [...tms, ...[...this.lost.values()].filter(l => !tms.some(t => t.id === l.id))],
      agents: [...agents.values()].sort((a, b) => a.hostname.localeCompare(b.hostname)),
      asked: {
        cpus: o.jobManagerCpus + (wanted ?? s.taskManagers.length) * o.taskManagerCpus,
        memMb: o.jobManagerMemoryMb + (wanted ?? s.taskManagers.length) * o.taskManagerMemoryMb,
      },
      declinedOffers: declinedOffers(s),
      maintenance: (s.agentsUnderMaintenance ?? []).map(a => ({ ...a })),
      maintenanceProblem: s.maintenanceProblem,
    };
  }

  async stop(): Promise<void> {
    const r = await this.session.stop();
    if (!r.verified || r.leftTasks.length) throw new Error(`The session stopped, but the master still lists ${r.leftTasks.length} of its tasks: ${r.leftTasks.join(', ')}. Check the Mesos web UI.`);
  }

  async scale(n: number): Promise<void> {
    await this.session.scale(n);
  }

  async detach(): Promise<void> {
    await this.session.detach();
  }

  async readSandbox(taskId: string, file: 'stdout' | 'stderr', maxBytes: number): Promise<string> {
    const s = this.session.snapshot();
    const t = [...s.taskManagers, ...(s.jobManager ? [s.jobManager] : [])].find(x => x.taskId === taskId) ?? this.known.get(taskId);
    if (!t) throw new Error(`Task ${taskId} is not part of session ${s.name}.`);
    if (!t.agentUrl || !s.frameworkId) throw new Error(`The agent of task ${taskId} is not known yet.`);
    return readSandboxTail(this.files, t.agentUrl, s.frameworkId, taskId, file, maxBytes);
  }

  dispose(): void {
    this.session.off('changed', this.listener);
    this.changed.dispose();
  }
}

/** One offer the core declined while the session waited: `declinedOffers` of the core's snapshot (the last few). */
export interface CoreDeclinedOffer { agentId: string; hostname: string; reason: string; at: number }

/**
 * The offers declined and why, while the session is not running yet: the core's list when it keeps one,
 * else the one "needs X, largest offer Y" diagnosis as a single row. Nothing once the session runs.
 */
export function declinedOffers(s: Pick<SessionSnapshot, 'phase' | 'diagnosis'> & { declinedOffers?: CoreDeclinedOffer[] }, now = Date.now()): DeclinedOffer[] {
  if (s.phase === 'running' || s.phase === 'stopping' || s.phase === 'stopped' || s.phase === 'failed' || s.phase === 'detached') return [];
  if (Array.isArray(s.declinedOffers)) {
    return s.declinedOffers.map(d => ({ agent: d.hostname || d.agentId, reason: d.reason, at: d.at }));
  }
  return s.diagnosis ? [{ agent: 'largest offer', reason: s.diagnosis, at: now }] : [];
}

export function taskManagerView(t: TaskRecord, history: { state: string; at: number; message?: string }[]): TaskManagerView {
  return {
    id: t.taskId, agentId: t.agentId, agentHost: t.hostname, mesosState: t.state, stateHistory: history, registered: false, lost: false, hasSandbox: !!t.agentUrl,
    ...(t.unreachableSince !== undefined ? { unreachable: true } : {}), ...(t.replaced ? { replacedAfterGrace: true } : {}),
    ...(t.maintenanceFrom !== undefined || t.draining ? { maintenance: { from: t.maintenanceFrom, until: t.maintenanceUntil, draining: !!t.draining, movedTo: t.movedTo } } : {}),
  };
}

function viewPhase(s: SessionSnapshot): SessionPhase {
  if (s.connection === 'disconnected' && s.phase !== 'stopped' && s.phase !== 'failed' && s.phase !== 'detached') return 'disconnected';
  if (s.phase === 'detached') return 'stopped';
  return s.phase;
}
