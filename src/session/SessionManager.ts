import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { FlinkRestClient } from '../core/flink/FlinkRestClient';
import { JobDetails, JobPlan } from '../core/flink/flinkRestTypes';
import { flinkFailureFix } from '../core/flink/flinkFailureFix';
import { JarSubmitter, JarUploadStore, MemoryJarUploadStore } from '../core/flink/JarSubmitter';
import { JobWatcher } from '../core/flink/JobWatcher';
import { Logger } from '../core/log';
import { readFlinkSslSettings, readPollingIntervalMs } from '../settings/extensionSettings';
import { IntervalPoller } from '../polling/IntervalPoller';
import { PanelDataSource } from '../webviews/PanelDataSource';
import { JobResultData, SessionResourcesData, TaskManagerData } from '../webviews/protocol';
import { newPollMemory } from './flinkPollPlan';
import { pollJobManager } from './jobManagerPoll';
import type { FollowedJob, LogTarget, ManagedSession, MesosSessionHandle, SubmitRequest } from './managedSession';
import { outputFilesFromArgs } from './outputFiles';
import { taskManagerPanelData } from './taskManagerPanelData';
import { SessionModel } from './SessionModel';
import type { StreamingJobService } from './StreamingJobService';
import { SessionView, emptySessionView } from './sessionViews';
import { mergeMesos } from './sessionViewMerge';
import { restCaTls } from '../settings/flinkSslSettings';

export type { LogTarget, MesosSessionHandle, SubmitRequest } from './managedSession';

/** Orchestrates sessions: keeps the SessionModel fresh from Mesos events and Flink's REST API, polls only while someone looks. */
export class SessionManager implements PanelDataSource, vscode.Disposable {
  private readonly sessions = new Map<string, ManagedSession>();
  private treeVisible = false;
  private readonly poller = new IntervalPoller(() => void this.refreshAll(false));
  private readonly jobWatchers = new Map<string, FollowedJob>();
  readonly onDidChangeSession: vscode.Event<string>;

  /**
   * @param jarUploads where each JobManager's uploaded jar ids are remembered (the extension passes one over its global state)
   */
  constructor(
    readonly model: SessionModel,
    private readonly log: Logger,
    private readonly flinkTimeout: number | (() => number) = 10000,
    private readonly jarUploads: JarUploadStore = new MemoryJarUploadStore(),
    /** Graph, checkpoints, savepoints and upgrades of streaming jobs; without it the panels show the batch view only. */
    readonly streaming?: StreamingJobService,
  ) {
    this.onDidChangeSession = model.onDidChangeSession;
  }

  /** Every Flink REST call gives up after this long, so a slow or dead JobManager shows as unreachable instead of hanging. */
  private flinkTimeoutMs(): number {
    return typeof this.flinkTimeout === 'function' ? this.flinkTimeout() : this.flinkTimeout;
  }

  // ---- sessions

  names(): string[] {
    return this.model.list().map(s => s.name);
  }

  has(name: string): boolean {
    return this.sessions.has(name);
  }

  /** Follows any Flink JobManager by its REST address (a cluster we did not start). */
  async attachJobManager(name: string, restUrl: string): Promise<SessionView> {
    if (this.sessions.has(name)) throw new Error(`A session named "${name}" is already shown. Pick another name, or detach it first.`);
    // An https address is verified against flinkMesos.flinkSsl.restCaFile when set (else the system's CAs).
    const tls = /^https:/i.test(restUrl.trim()) ? restCaTls(readFlinkSslSettings().restCaFile, undefined, 'flinkMesos.flinkSsl.restCaFile') : undefined;
    const flink = new FlinkRestClient(restUrl, { log: this.log, timeoutMs: this.flinkTimeoutMs(), retries: 0, tls });
    try {
      await flink.probe();
    } catch (err) {
      await flink.close();
      throw err;
    }
    const url = new URL(flink.baseUrl);
    const managed: ManagedSession = { name, flink, submitter: this.submitterFor(flink), subscriptions: [], samples: new Map(), jobArgs: new Map(), jobTimelines: new Map(), poll: newPollMemory(), panelReads: new Map() };
    this.sessions.set(name, managed);
    this.model.set(emptySessionView(name, {
      phase: 'attached', jobManagerOnly: true, flinkReachable: true,
      jobManager: { host: url.hostname, port: Number(url.port || 80), restUrl: flink.baseUrl },
    }));
    await this.pollSession(managed);
    this.updatePolling();
    return this.model.get(name) as SessionView;
  }

  /** Adds a Mesos-backed session (started or reattached through the core). */
  adoptMesosSession(name: string, mesos: MesosSessionHandle): void {
    const old = this.sessions.get(name);
    if (old) this.forget(old);
    const managed: ManagedSession = { name, mesos, subscriptions: [], samples: new Map(), jobArgs: new Map(), jobTimelines: new Map(), poll: newPollMemory(), panelReads: new Map() };
    this.sessions.set(name, managed);
    this.model.set(emptySessionView(name, mesos.snapshot()));
    managed.subscriptions.push(mesos.onDidChange(() => this.mesosChanged(managed)));
    this.mesosChanged(managed);
    this.updatePolling();
  }

  async stop(name: string): Promise<void> {
    const m = this.require(name);
    if (!m.mesos) throw new Error(`"${name}" is a JobManager attached by address: it was not started here, so it cannot be stopped here. Detach it instead.`);
    await m.mesos.stop();
    await this.pollSession(m).catch(() => undefined);
  }

  async scale(name: string, taskManagers: number): Promise<void> {
    const m = this.require(name);
    if (!m.mesos) throw new Error(`"${name}" is a JobManager attached by address: its TaskManagers are not ours to scale.`);
    await m.mesos.scale(taskManagers);
  }

  /** Stops following a session in this window; a Mesos session keeps running. */
  async detach(name: string): Promise<void> {
    const m = this.sessions.get(name);
    if (!m) return;
    await m.mesos?.detach().catch(err => this.log.warn(`Detach ${name}: ${String(err)}`));
    this.forget(m);
    this.model.remove(name);
    this.updatePolling();
  }

  /** On deactivation: drops every Mesos connection without teardown and clears our owner lease, so the next window reattaches. */
  async detachAll(): Promise<void> {
    await Promise.all([...this.sessions.values()].map(m => m.mesos?.detach().catch(err => this.log.warn(`Detach ${m.name}: ${String(err)}`))));
  }

  /** Removes an ended session from the view. */
  remove(name: string): void {
    const m = this.sessions.get(name);
    if (m) this.forget(m);
    this.model.remove(name);
    this.updatePolling();
  }

  private forget(m: ManagedSession): void {
    m.subscriptions.forEach(d => d.dispose());
    m.mesos?.dispose();
    void m.flink?.close();
    this.endJobWatchers(m.name);
    this.sessions.delete(m.name);
  }

  private mesosChanged(m: ManagedSession): void {
    const snap = m.mesos?.snapshot() ?? {};
    const restUrl = snap.jobManager?.restUrl;
    if (restUrl && m.flink?.baseUrl !== new URL(restUrl).href.replace(/\/$/, '')) {
      // Watchers hold the old client: end them (panels fall back to polling) before it closes.
      if (m.flink) this.endJobWatchers(m.name);
      void m.flink?.close();
      m.flink = new FlinkRestClient(restUrl, { log: this.log, timeoutMs: this.flinkTimeoutMs(), retries: 0, tls: restCaTls(snap.jobManager?.restCaFile, this.log) });
      m.submitter = this.submitterFor(m.flink);
      m.poll = newPollMemory();
      m.panelReads.clear();
      void this.pollSession(m);
    }
    this.model.update(m.name, v => mergeMesos(v, snap));
  }

  // ---- polling Flink

  setTreeVisible(visible: boolean): void {
    this.treeVisible = visible;
    this.updatePolling();
  }

  pollingIntervalMs(): number {
    return readPollingIntervalMs();
  }

  /** Polls at the configured interval while the Sessions view is visible and there is something to poll. */
  updatePolling(): void {
    this.poller.update(this.wantsPolling(), this.pollingIntervalMs());
  }

  private wantsPolling(): boolean {
    return this.treeVisible && [...this.sessions.values()].some(m => m.flink);
  }

  restartPolling(): void {
    this.poller.restart(this.wantsPolling(), this.pollingIntervalMs());
  }

  /** force: read everything now (the Refresh command); the timer's polls read the lists only when they changed. */
  async refreshAll(force = true): Promise<void> {
    await Promise.all([...this.sessions.values()].map(m => this.pollSession(m, force)));
  }

  async refresh(name: string): Promise<void> {
    await this.pollSession(this.require(name));
  }

  /** force (the default: a refresh, a submit, a job or client change): the lists and jars are read, changed or not. */
  private pollSession(m: ManagedSession, force = true): Promise<void> {
    // One poll at a time per session: a slow JobManager must not pile up requests. A forced one asked meanwhile makes the next read all.
    if (m.polling) {
      if (force) { m.poll.signature = undefined; m.poll.jarsStale = true; }
      return m.polling;
    }
    m.polling = this.doPoll(m, force).finally(() => { m.polling = undefined; });
    return m.polling;
  }

  private doPoll(m: ManagedSession, force: boolean): Promise<void> {
    return pollJobManager(m, { model: this.model, log: this.log, streaming: this.streaming, intervalMs: this.pollingIntervalMs() }, force);
  }

  // ---- jobs

  /**
   * Uploads (skipped when this JobManager already has this very file), checks free slots first (refusing only for a
   * session of ours), runs, and uploads again once when the JobManager lost the jar. Returns the job id.
   */
  async submit(name: string, req: SubmitRequest, onProgress: (sent: number, total: number) => void, signal?: AbortSignal): Promise<string> {
    const submitter = this.submitterOf(name);
    const result = await submitter.run(req.jarPath, {
      entryClass: req.entryClass, programArgs: req.args, parallelism: req.parallelism,
      savepointPath: req.savepointPath, allowNonRestoredState: req.savepointPath ? req.allowNonRestoredState : undefined,
      restoreMode: req.savepointPath ? req.restoreMode : undefined,
      onProgress: p => onProgress(p.sentBytes, p.totalBytes), signal,
      // A JobManager attached by address may start TaskManagers on demand (YARN, Kubernetes): too few slots only warn there.
      slotShortage: this.require(name).mesos ? 'refuse' : 'warn',
    });
    const m = this.require(name);
    m.jobArgs.set(result.jobId, result.programArgs);
    void this.streaming?.recordSubmission(name, {
      jobId: result.jobId, jarPath: req.jarPath, entryClass: result.entryClass, programArgs: result.programArgs, parallelism: result.parallelism,
      restoredFrom: req.savepointPath, submittedAt: Date.now(),
    });
    if (result.slotWarning) void vscode.window.showWarningMessage(`${name}: ${result.slotWarning}`);
    if (result.reuploaded) this.log.info(`${name}: the JobManager had lost ${path.basename(req.jarPath)}; it was uploaded again.`);
    await this.pollSession(m);
    this.watchJob(name, result.jobId);
    return result.jobId;
  }

  async plan(name: string, req: SubmitRequest): Promise<JobPlan> {
    return this.submitterOf(name).plan(req.jarPath, { entryClass: req.entryClass, programArgs: req.args, parallelism: req.parallelism });
  }

  async cancelJob(name: string, jobId: string): Promise<void> {
    await this.flinkOf(name).cancelJob(jobId);
    this.watchJob(name, jobId);
  }

  async stopJobWithSavepoint(name: string, jobId: string, targetDirectory: string | undefined, drain: boolean): Promise<string> {
    const location = await this.flinkOf(name).stopWithSavepoint(jobId, { targetDirectory, drain });
    await this.streaming?.recordStop(name, jobId, location, this.model.get(name)?.jobs.find(j => j.id === jobId)?.name).catch(() => undefined);
    this.watchJob(name, jobId);
    return location;
  }

  /** Follows a job until it ends (even with the view hidden), so the tree sees its state changes and its end. */
  private watchJob(name: string, jobId: string): void {
    const f = this.followed(name, jobId);
    if (f) f.tracked = true;
  }

  /**
   * Lets a Job Result panel follow one job through the core's JobWatcher: it polls only while followed, faster
   * right after a change. onChange runs on every change; onEnd when the watcher gives up (then the panel polls itself).
   * Undefined when the session has no JobManager yet.
   */
  followJob(name: string, jobId: string, onChange: () => void, onEnd: () => void): vscode.Disposable | undefined {
    const f = this.followed(name, jobId);
    if (!f) return undefined;
    const listener = { onChange, onEnd };
    f.listeners.add(listener);
    return new vscode.Disposable(() => {
      f.listeners.delete(listener);
      this.releaseIfIdle(f);
    });
  }

  /** Whether a JobWatcher currently follows this job (for tests and diagnostics). */
  isFollowingJob(name: string, jobId: string): boolean {
    return this.jobWatchers.has(`${name}\n${jobId}`);
  }

  private followed(name: string, jobId: string): FollowedJob | undefined {
    const key = `${name}\n${jobId}`;
    const existing = this.jobWatchers.get(key);
    if (existing) return existing;
    const m = this.sessions.get(name);
    if (!m?.flink) return undefined;
    const interval = this.pollingIntervalMs();
    const watcher = new JobWatcher(m.flink, jobId, { minIntervalMs: Math.min(250, interval), maxIntervalMs: Math.max(1000, interval), log: this.log });
    const f: FollowedJob = { key, watcher, listeners: new Set(), tracked: false };
    this.jobWatchers.set(key, f);
    watcher.on('state', (state, previous) => {
      this.log.debug(`${name}: job ${jobId} ${previous ?? 'seen'} -> ${state}`);
      this.model.update(name, v => ({ ...v, jobs: v.jobs.map(j => j.id === jobId ? { ...j, state } : j) }));
      const s = this.sessions.get(name);
      if (s) void this.pollSession(s);
    });
    watcher.on('update', () => { for (const l of f.listeners) l.onChange(); });
    watcher.on('result', () => {
      for (const l of f.listeners) l.onChange();
      this.endJobWatcher(f, false);
    });
    watcher.on('error', err => {
      this.log.debug(`${name}: stopped following job ${jobId}: ${err.message}`);
      this.endJobWatcher(f, true);
    });
    return f;
  }

  private releaseIfIdle(f: FollowedJob): void {
    if (f.listeners.size === 0 && !f.tracked) this.endJobWatcher(f, false);
  }

  private endJobWatcher(f: FollowedJob, notify: boolean): void {
    if (this.jobWatchers.get(f.key) !== f) return;
    this.jobWatchers.delete(f.key);
    f.watcher.stop();
    if (notify) for (const l of f.listeners) l.onEnd();
    f.listeners.clear();
  }

  private endJobWatchers(name: string): void {
    for (const f of [...this.jobWatchers.values()]) if (f.key.startsWith(`${name}\n`)) this.endJobWatcher(f, true);
  }

  private submitterFor(flink: FlinkRestClient): JarSubmitter {
    return new JarSubmitter(flink, { store: this.jarUploads, log: this.log });
  }

  submitterOf(name: string): JarSubmitter {
    const m = this.require(name);
    if (!m.flink || !m.submitter) throw new Error(`Session "${name}" has no JobManager address yet. Wait until its JobManager is up.`);
    return m.submitter;
  }

  // ---- panels' data

  sessionResources(name: string): SessionResourcesData | undefined {
    const v = this.model.get(name);
    if (!v) return undefined;
    const tasks = v.agents.flatMap(a => a.tasks).filter(t => !/^(TASK_)?(FINISHED|FAILED|KILLED|LOST|ERROR|GONE|DROPPED)/.test(t.state));
    return {
      session: v.name, phase: v.phase, phaseDetail: v.phaseDetail, master: v.master ?? '',
      agents: v.agents,
      asked: { ...v.asked, taskManagers: v.taskManagersWanted },
      used: {
        cpus: tasks.reduce((s, t) => s + t.cpus, 0), memMb: tasks.reduce((s, t) => s + t.memMb, 0),
        taskManagers: tasks.filter(t => t.role === 'TaskManager').length,
      },
      declinedOffers: v.declinedOffers,
      maintenance: v.maintenance ?? [],
    };
  }

  hasTaskManager(name: string, taskManagerId: string): boolean {
    return !!this.model.get(name)?.taskManagers.some(t => t.id === taskManagerId);
  }

  /** One TaskManager for its panel (taskManagerPanelData.ts); fresh: read Flink now (the panel's Refresh). */
  async taskManager(name: string, id: string, fresh = false): Promise<TaskManagerData | undefined> {
    const m = this.sessions.get(name);
    const t = this.model.get(name)?.taskManagers.find(x => x.id === id);
    if (!m || !t) return undefined;
    return taskManagerPanelData({ session: name, flink: m.flink, mesosBacked: !!m.mesos, samples: m.samples, reads: m.panelReads }, t, this.pollingIntervalMs(), fresh,
      (slotsTotal, slotsFree) => this.model.update(name, v => ({ ...v, taskManagers: v.taskManagers.map(x => x.id === id ? { ...x, slotsTotal, slotsFree } : x) })));
  }

  async jobResult(name: string, jobId: string): Promise<JobResultData | undefined> {
    const m = this.sessions.get(name);
    const job = this.model.get(name)?.jobs.find(j => j.id === jobId);
    if (!m?.flink) return undefined;
    let details: JobDetails;
    try {
      details = await m.flink.job(jobId);
    } catch (err) {
      if (!job) return undefined;
      const phase = this.model.get(name)?.phase;
      const error = phase === 'failed' || phase === 'stopped'
        ? `The session ${phase === 'failed' ? 'failed' : 'was stopped'}: its JobManager is gone, so this is the job's last known state.`
        : `Flink did not answer: ${err instanceof Error ? err.message : String(err)}`;
      return {
        session: name, id: jobId, name: job.name, state: job.state, timeline: [], vertices: [], accumulators: [], exceptionHistory: [],
        outputFiles: this.outputFileLabels(m, jobId), error,
      };
    }
    const [exceptions, accumulators] = await Promise.all([
      m.flink.jobExceptions(jobId).catch(() => undefined),
      m.flink.jobAccumulators(jobId).catch(() => undefined),
    ]);
    const timeline = Object.entries(details.timestamps ?? {})
      .filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] > 0)
      .map(([state, at]) => ({ state, at })).sort((a, b) => a.at - b.at);
    const history = exceptions?.exceptionHistory?.entries ?? [];
    const rootException = exceptions?.['root-exception'] ?? history[0]?.stacktrace ?? undefined;
    const data: JobResultData = {
      session: name, id: jobId, name: details.name, state: details.state,
      startTime: details['start-time'] > 0 ? details['start-time'] : undefined,
      endTime: details['end-time'] > 0 ? details['end-time'] : undefined,
      durationMs: details.duration >= 0 ? details.duration : undefined,
      timeline,
      vertices: details.vertices.map(v => ({
        name: v.name, parallelism: v.parallelism, status: v.status,
        readRecords: v.metrics?.['read-records'], writeRecords: v.metrics?.['write-records'],
        readBytes: v.metrics?.['read-bytes'], writeBytes: v.metrics?.['write-bytes'],
      })),
      accumulators: accumulators?.['user-task-accumulators'] ?? [],
      rootException,
      rootExceptionFix: flinkFailureFix(rootException),
      exceptionHistory: history.map(e => ({ name: e.exceptionName, message: e.stacktrace ?? '', at: e.timestamp, taskManagerId: e.taskManagerId ?? undefined })),
      outputFiles: this.outputFileLabels(m, jobId),
    };
    return this.streaming ? this.streaming.enrich(name, m.flink, details, data) : data;
  }

  private outputFileLabels(m: ManagedSession, jobId: string): { label: string; exists: boolean }[] {
    return outputFilesFromArgs(m.jobArgs.get(jobId) ?? []).map(f => ({ label: f, exists: fs.existsSync(f) }));
  }

  outputFile(name: string, jobId: string, index: number): vscode.Uri | undefined {
    const m = this.sessions.get(name);
    const files = m ? outputFilesFromArgs(m.jobArgs.get(jobId) ?? []) : [];
    const file = files[index];
    if (!file) return undefined;
    let target = file;
    // Flink writes a folder of part files when parallelism > 1: open the first part.
    try {
      if (fs.statSync(file).isDirectory()) {
        const parts = fs.readdirSync(file).filter(f => !f.startsWith('.')).sort();
        if (parts.length) target = path.join(file, parts[0]);
      }
    } catch {
      return undefined;
    }
    return vscode.Uri.file(target);
  }

  /** Remembers the arguments of a job started elsewhere in this window (e.g. restored after reload). */
  rememberJobArgs(name: string, jobId: string, args: string[]): void {
    this.sessions.get(name)?.jobArgs.set(jobId, args);
  }

  // ---- logs and web UIs

  async readLog(target: LogTarget): Promise<string> {
    const m = this.require(target.session);
    const tm = target.taskManagerId;
    if (target.log === 'sandboxStdout' || target.log === 'sandboxStderr') {
      if (!m.mesos) throw new Error('This JobManager was attached by address: there is no Mesos sandbox to read.');
      const taskId = tm ?? this.jobManagerTaskId(target.session);
      if (!taskId) throw new Error('The JobManager has no Mesos task yet.');
      return m.mesos.readSandbox(taskId, target.log === 'sandboxStdout' ? 'stdout' : 'stderr', 1024 * 1024);
    }
    const flink = this.flinkOf(target.session);
    if (tm) return target.log === 'flinkLog' ? flink.taskManagerLog(tm) : flink.taskManagerStdout(tm);
    return target.log === 'flinkLog' ? flink.jobManagerLog() : flink.jobManagerStdout();
  }

  private jobManagerTaskId(name: string): string | undefined {
    return this.model.get(name)?.agents.flatMap(a => a.tasks).find(t => t.role === 'JobManager')?.taskId;
  }

  flinkUiUrl(name: string): string | undefined {
    return this.model.get(name)?.jobManager?.restUrl;
  }

  mesosUiUrl(name: string): string | undefined {
    return this.model.get(name)?.mesosUiUrl;
  }

  flinkOf(name: string): FlinkRestClient {
    const m = this.require(name);
    if (!m.flink) throw new Error(`Session "${name}" has no JobManager address yet. Wait until its JobManager is up.`);
    return m.flink;
  }

  private require(name: string): ManagedSession {
    const m = this.sessions.get(name);
    if (!m) throw new Error(`No session named "${name}" in this window. Start or attach one first.`);
    return m;
  }

  dispose(): void {
    this.poller.stop();
    for (const m of [...this.sessions.values()]) this.forget(m);
  }
}
