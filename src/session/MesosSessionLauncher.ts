import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { MesosCredentials } from '../credentials/CredentialStore';
import { Logger } from '../core/log';
import { AgentFiles } from '../core/mesos/AgentFiles';
import { OperatorClient } from '../core/mesos/OperatorClient';
import { FlinkSession, FlinkSessionDeps, PartialFit, PartialFitChoice, SessionSnapshot, SessionTimings, TaskRecord } from '../core/session/FlinkSession';
import { JOB_MANAGER_LOST } from '../core/session/JobManagerRecovery';
import { FlinkLocation, validateSessionOptions } from '../core/session/SessionOptions';
import { FileSessionStore, SessionStore, ownerIsAlive } from '../core/session/SessionStore';
import { SessionConflictError } from '../core/session/sessionErrors';
import { serveSessionControl } from '../core/session/sessionControlService';
import { runPeriodicSavepoints } from '../core/session/periodicSavepoints';
import { checkForget, forgetSession, type ForgetVerdict } from '../core/session/forgetSession';
import { SessionSettings, readConnectionSettings } from '../settings/extensionSettings';
import { rolesSetting, taskOptionsInput } from '../settings/taskSettings';
import { LaunchProgress, SessionLauncher } from './SessionLauncher';
import { readSandboxTail } from './sandboxTail';
import { WatchedSessionHandle } from './WatchedSessionHandle';
import { MesosSessionHandle } from './SessionManager';
import { AgentUsage, DeclinedOffer, SessionPhase, SessionView, TaskManagerView, placementPorts } from './sessionViews';
import { reattachApplication } from './ApplicationLauncher';

/** Starts and reattaches sessions with the core's FlinkSession; turns its snapshots into what the UI shows. */
export class MesosSessionLauncher implements SessionLauncher {
  constructor(private readonly store: SessionStore, private readonly log: Logger, private readonly timings: Partial<SessionTimings> = {}) {}

  async start(settings: SessionSettings, credentials: MesosCredentials | undefined, progress: LaunchProgress, token: vscode.CancellationToken): Promise<MesosSessionHandle> {
    const validated = validateSessionOptions({
      name: settings.name, master: settings.master,
      taskManagers: settings.taskManagers === 'greedy' ? undefined : settings.taskManagers,
      slotsPerTaskManager: settings.slotsPerTaskManager, taskManagerMemoryMb: settings.taskManagerMemoryMb, taskManagerCpus: settings.taskManagerCpus,
      jobManagerMemoryMb: settings.jobManagerMemoryMb, jobManagerCpus: settings.jobManagerCpus,
      confDir: settings.configDir || undefined, dynamicProperties: settings.dynamicProperties, flink: flinkLocation(settings.flinkLocation),
      webUi: settings.webUi, ...rolesSetting(settings.role), failoverTimeoutSeconds: settings.failoverTimeoutSeconds,
      constraints: settings.constraints, fitTimeoutSeconds: settings.resourceWaitTimeoutSeconds, verbose: settings.verbose,
      maxTaskManagerFailuresPerMinute: settings.maxTaskManagerFailuresPerMinute,
      user: settings.user ? settings.user : undefined,
      declineRefuseSeconds: settings.declineRefuseSeconds,
      unreachableGraceSeconds: settings.unreachableGraceSeconds,
      ...taskOptionsInput(settings),
      ha: settings.highAvailability || undefined, haStorage: settings.highAvailabilityStorage || undefined,
      maxJobManagerRestartsPerHour: settings.maxJobManagerRestartsPerHour,
    });
    for (const w of validated.warnings) this.log.warn(w);
    // The core asks once, when the fit timeout runs out with only part of the session placed; closing the question stops it.
    const deps: FlinkSessionDeps = { ...this.deps(credentials), decidePartialFit: askPartialFit };
    const session = await FlinkSession.create(validated, deps);
    const handle = new FlinkSessionHandle(session, deps, this.log);
    const onPhase = (): void => progress.report(describe(session.snapshot()));
    session.on('changed', onPhase);
    const cancel = token.onCancellationRequested(() => { void session.stop(); });
    try {
      await session.start();
      // Other windows and terminals send Scale and Stop to this window from here on.
      if (this.storeDir) await serveSessionControl(session, this.storeDir, this.log);
      // Periodic savepoints of this session's jobs are taken while this window drives it.
      if (this.storeDir) runPeriodicSavepoints(session, this.storeDir, this.log);
      await session.waitFor(s => s.phase === 'running', (settings.resourceWaitTimeoutSeconds + 120) * 1000, `Session ${settings.name}`);
    } catch (err) {
      handle.dispose();
      if (token.isCancellationRequested) throw new Error(`Starting ${settings.name} was cancelled; its Mesos tasks were torn down.`);
      const snap = session.snapshot();
      if (snap.phase !== 'stopped' && snap.phase !== 'failed') await session.stop().catch(() => undefined);
      throw new Error(snap.reason ?? snap.diagnosis ?? (err instanceof Error ? err.message : String(err)));
    } finally {
      session.off('changed', onPhase);
      cancel.dispose();
    }
    return handle;
  }

  async saved(): Promise<string[]> {
    return (await this.store.list()).filter(r => r.phase !== 'stopped' && r.phase !== 'failed').map(r => r.name);
  }

  /**
   * Takes a saved session over (re-subscribes with its framework id and reconciles), or, while another client drives it,
   * follows it read-only and sends Scale and Stop to that client.
   */
  async reattach(name: string, credentialsFor: (master: string) => Promise<MesosCredentials | undefined>): Promise<MesosSessionHandle> {
    const record = await this.store.load(name);
    const deps = this.deps(record ? await credentialsFor(record.masters) : undefined);
    if (record?.owner && ownerIsAlive(record.owner, '', Date.now(), this.leaseStaleMs())) return this.watch(name, deps);
    // An application is followed to its job's end again, not only kept running.
    if (record?.options.application) return reattachApplication(name, deps, this.storeDir, this.log);
    const session = await FlinkSession.attach(name, deps);
    const handle = new FlinkSessionHandle(session, deps, this.log);
    try {
      await session.start();
    } catch (err) {
      handle.dispose();
      // Another client took it over in the meantime: follow it.
      if (err instanceof SessionConflictError) return this.watch(name, deps);
      throw err;
    }
    if (this.storeDir) await serveSessionControl(session, this.storeDir, this.log);
    if (this.storeDir) runPeriodicSavepoints(session, this.storeDir, this.log);
    return handle;
  }

  private async watch(name: string, deps: FlinkSessionDeps): Promise<MesosSessionHandle> {
    if (!this.storeDir) throw new Error(`The session "${name}" is driven by another client, and this store cannot reach it.`);
    const handle = new WatchedSessionHandle(this.store, this.storeDir, name, { credentials: deps.credentials, tls: deps.tls, log: this.log, leaseStaleMs: this.leaseStaleMs(), intervalMs: this.timings.tickMs ? Math.max(500, this.timings.tickMs * 5) : 2000 });
    await handle.ready;
    this.log.info(`Following session ${name} read-only: another client drives it; Scale and Stop are sent to it.`);
    return handle;
  }

  private leaseStaleMs(): number {
    return this.timings.leaseStaleMs ?? 20000;
  }

  get storeDir(): string | undefined {
    return this.store instanceof FileSessionStore ? this.store.dir : undefined;
  }

  /** What forgetting `name` means (throws while the master still knows its framework, or another client drives it). */
  async checkForget(name: string, credentials: MesosCredentials | undefined, thisWindowDrives: boolean): Promise<ForgetVerdict> {
    const deps = this.deps(credentials);
    return checkForget(this.store, name, { credentials: deps.credentials, tls: deps.tls, timeoutMs: 5000, leaseStaleMs: thisWindowDrives ? 0 : this.leaseStaleMs() });
  }

  async forget(verdict: ForgetVerdict): Promise<void> {
    await forgetSession(this.store, verdict, this.storeDir);
  }

  deps(credentials: MesosCredentials | undefined): FlinkSessionDeps {
    const c = readConnectionSettings();
    let ca: string | undefined;
    if (c.tlsCaFile) {
      try { ca = fs.readFileSync(c.tlsCaFile, 'utf8'); } catch (err) {
        throw new Error(`The CA file ${c.tlsCaFile} (flinkMesos.tls.caFile) cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}. Fix the path or clear the setting.`);
      }
    }
    return {
      store: this.store, log: this.log, credentials, timings: this.timings,
      tls: ca || !c.tlsRejectUnauthorized ? { ca, rejectUnauthorized: c.tlsRejectUnauthorized } : undefined,
    };
  }
}

/** Keep a session smaller than asked, or stop it: asked with buttons; closing the notification is the safe choice, stop. */
export async function askPartialFit(fit: PartialFit): Promise<PartialFitChoice> {
  const keep = `Keep ${fit.placed} TaskManager${fit.placed === 1 ? '' : 's'}`;
  const answer = await vscode.window.showWarningMessage(
    `Session ${fit.session}: only ${fit.placed} of ${fit.wanted} TaskManagers fit within ${fit.fitTimeoutSeconds} s. ${fit.diagnosis}`,
    keep, 'Stop the session');
  return answer === keep ? 'keep' : 'stop';
}

export function flinkLocation(text: string): FlinkLocation {
  const t = text.trim();
  if (/^docker:/i.test(t)) return { kind: 'docker', image: t.slice('docker:'.length) };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(t)) return { kind: 'uri', uri: t };
  return { kind: 'home', path: t };
}

function describe(s: SessionSnapshot): string {
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
      jobManager: jmUrl && jm ? { host: jmUrl.hostname, port: Number(jmUrl.port), restUrl: s.jobManagerUrl as string, mesosState: jm.state } : undefined,
      taskManagersWanted: wanted === null ? 'greedy' : wanted,
      taskManagers: [...tms, ...[...this.lost.values()].filter(l => !tms.some(t => t.id === l.id))],
      agents: [...agents.values()].sort((a, b) => a.hostname.localeCompare(b.hostname)),
      asked: {
        cpus: o.jobManagerCpus + (wanted ?? s.taskManagers.length) * o.taskManagerCpus,
        memMb: o.jobManagerMemoryMb + (wanted ?? s.taskManagers.length) * o.taskManagerMemoryMb,
      },
      declinedOffers: declinedOffers(s),
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

function taskManagerView(t: TaskRecord, history: { state: string; at: number; message?: string }[]): TaskManagerView {
  return {
    id: t.taskId, agentId: t.agentId, agentHost: t.hostname, mesosState: t.state, stateHistory: history, registered: false, lost: false, hasSandbox: !!t.agentUrl,
    ...(t.unreachableSince !== undefined ? { unreachable: true } : {}), ...(t.replaced ? { replacedAfterGrace: true } : {}),
  };
}

function viewPhase(s: SessionSnapshot): SessionPhase {
  if (s.connection === 'disconnected' && s.phase !== 'stopped' && s.phase !== 'failed' && s.phase !== 'detached') return 'disconnected';
  if (s.phase === 'detached') return 'stopped';
  return s.phase;
}
