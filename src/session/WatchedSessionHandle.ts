import * as vscode from 'vscode';
import type { Logger } from '../core/log';
import { AgentFiles } from '../core/mesos/AgentFiles';
import type { Credentials, TlsOptions } from '../core/mesos/http';
import { describePresence } from '../core/session/frameworkPresence';
import { requestScale, requestStop } from '../core/session/sessionControlService';
import { SessionWatcher, type WatchedSession } from '../core/session/sessionWatcher';
import type { SessionStore } from '../core/session/SessionStore';
import type { MesosSessionHandle } from './SessionManager';
import { readSandboxTail } from './sandboxTail';
import { placementPorts, type SessionPhase, type SessionView, type TaskManagerView } from './sessionViews';

export interface WatchOptions { credentials?: Credentials; tls?: TlsOptions; log: Logger; leaseStaleMs: number; intervalMs: number }

/**
 * A session another client drives (a terminal's `session start`, another window), followed read-only without subscribing:
 * the saved record and the master's task list through the core's SessionWatcher (the manager polls Flink as for any session).
 * Scale and Stop go to the driving client through its control channel, and its answer comes back here.
 */
export class WatchedSessionHandle implements MesosSessionHandle {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly watcher: SessionWatcher;
  private readonly files: AgentFiles;
  private state?: WatchedSession;
  /** Resolves after the first look at the session. */
  readonly ready: Promise<void>;

  constructor(store: SessionStore, private readonly storeDir: string, readonly name: string, private readonly options: WatchOptions) {
    this.watcher = new SessionWatcher(store, name, { credentials: options.credentials, tls: options.tls, log: options.log, leaseStaleMs: options.leaseStaleMs, intervalMs: options.intervalMs, timeoutMs: 3000, skipFlink: true });
    this.files = new AgentFiles({ credentials: options.credentials, tls: options.tls, log: options.log });
    this.watcher.on('changed', w => { this.state = w; this.changed.fire(); });
    this.ready = this.watcher.start().then(w => { this.state = w; }, () => undefined);
  }

  snapshot(): Partial<SessionView> {
    const w = this.state;
    const r = w?.record;
    if (!w || !r) return { phase: 'stopped', readOnly: true, phaseDetail: 'The session ended (its saved record is gone).' };
    const p = w.presence;
    const jmUrl = r.jobManagerUrl ? new URL(r.jobManagerUrl) : undefined;
    const onMaster = new Map(p?.kind === 'registered' ? p.tasks.map(t => [t.taskId, t.state as string]) : []);
    const state = (taskId: string, saved: string): string => onMaster.get(taskId) ?? (p?.kind === 'registered' ? 'TASK_LOST' : saved);
    const jm = r.tasks.find(t => t.kind === 'jobmanager');
    const tms = r.tasks.filter(t => t.kind === 'taskmanager' && !t.killRequested).map(t => ({
      id: t.taskId, agentId: t.agentId, agentHost: t.hostname, mesosState: state(t.taskId, t.state), stateHistory: [], registered: false, lost: false, hasSandbox: !!t.agentUrl,
    } satisfies TaskManagerView));
    const o = r.options;
    const agents = new Map<string, SessionView['agents'][number]>();
    for (const t of r.tasks) {
      const a = agents.get(t.agentId) ?? { agentId: t.agentId, hostname: t.hostname, tasks: [] };
      const isJm = t.kind === 'jobmanager';
      a.tasks.push({ taskId: t.taskId, role: isJm ? 'JobManager' : 'TaskManager', state: state(t.taskId, t.state), cpus: isJm ? o.jobManagerCpus : o.taskManagerCpus, memMb: isJm ? o.jobManagerMemoryMb : o.taskManagerMemoryMb, ...placementPorts(t.ports) });
      agents.set(t.agentId, a);
    }
    const wanted = r.wantedTaskManagers;
    return {
      phase: this.phase(w), readOnly: true, phaseDetail: this.detail(w),
      master: r.masters, frameworkId: r.frameworkId, mesosUiUrl: r.leaderUrl && r.frameworkId ? `${r.leaderUrl}/#/frameworks/${r.frameworkId}` : undefined,
      jobManager: jmUrl && jm ? { host: jmUrl.hostname, port: Number(jmUrl.port), restUrl: r.jobManagerUrl as string, mesosState: state(jm.taskId, jm.state), restCaFile: r.options.flinkSsl?.restCaFile } : undefined,
      taskManagersWanted: wanted === null ? 'greedy' : wanted, taskManagers: tms,
      agents: [...agents.values()].sort((a, b) => a.hostname.localeCompare(b.hostname)),
      asked: { cpus: o.jobManagerCpus + (wanted ?? tms.length) * o.taskManagerCpus, memMb: o.jobManagerMemoryMb + (wanted ?? tms.length) * o.taskManagerMemoryMb },
      declinedOffers: [], startedAt: r.startedAt,
    };
  }

  private phase(w: WatchedSession): SessionPhase {
    const r = w.record;
    if (!r) return 'stopped';
    if (r.gone || w.presence?.kind === 'removed' || w.presence?.kind === 'unknown') return 'gone';
    if (w.presence?.kind === 'unreachable') return 'disconnected';
    if (r.phase === 'detached') return 'stopped';
    return r.phase;
  }

  private detail(w: WatchedSession): string {
    const r = w.record;
    if (!r) return '';
    const p = w.presence;
    if (r.gone) return `${r.gone.reason}. Forget the session to free its name.`;
    if (p && p.kind !== 'registered') return `${describePresence(p, r.frameworkId ?? '')}.`;
    const who = w.driven && r.owner ? `Driven by pid ${r.owner.pid} on ${r.owner.host}; this window follows it read-only and sends Scale and Stop to it.`
      : 'No client drives it now: Detach, then Attach to take it over.';
    return `${who}${r.stopPending ? ' A stop is pending (no master answered it).' : ''}`;
  }

  async stop(): Promise<void> {
    const r = await requestStop(this.storeDir, this.name);
    await this.watcher.poll().catch(() => undefined);
    if (r.phase !== 'stopped' || r.leftTasks.length) throw new Error(r.reason ?? `The driving client could not stop the session (${r.phase}); the master still lists ${r.leftTasks.join(', ')}.`);
  }

  async scale(taskManagers: number): Promise<void> {
    await requestScale(this.storeDir, this.name, taskManagers, 0);
    await this.watcher.poll().catch(() => undefined);
  }

  async detach(): Promise<void> {
    this.watcher.stop();
  }

  async readSandbox(taskId: string, file: 'stdout' | 'stderr', maxBytes: number): Promise<string> {
    const r = this.state?.record;
    const t = r?.tasks.find(x => x.taskId === taskId);
    if (!r || !t) throw new Error(`Task ${taskId} is not part of session ${this.name}.`);
    if (!t.agentUrl || !r.frameworkId) throw new Error(`The agent of task ${taskId} is not known yet.`);
    return readSandboxTail(this.files, t.agentUrl, r.frameworkId, taskId, file, maxBytes);
  }

  dispose(): void {
    this.watcher.stop();
    this.changed.dispose();
  }
}
