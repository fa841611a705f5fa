// Application clusters in VS Code: starts and reattaches the core's FlinkApplication and shows it as a session whose
// tree item carries the job's state and, once it ended, its outcome (the Job and TaskManager panels, logs and savepoints
// work on it as on any session: it has a JobManager address and Mesos tasks).
import * as vscode from 'vscode';
import { Logger } from '../core/log';
import { FlinkApplication, type ApplicationDeps } from '../core/application/FlinkApplication';
import { FileApplicationResultStore, MemoryApplicationResultStore, type ApplicationResultStore } from '../core/application/ApplicationResultStore';
import { prepareApplication, type ApplicationInput, type ArtifactServerSettings } from '../core/application/applicationInput';
import type { FlinkSessionDeps } from '../core/session/FlinkSession';
import { validateSessionOptions } from '../core/session/SessionOptions';
import { serveSessionControl } from '../core/session/sessionControlService';
import { runPeriodicSavepoints } from '../core/session/periodicSavepoints';
import type { SavepointHistoryStore } from '../core/session/SavepointHistoryStore';
import { upgradeApplication, type ApplicationUpgradeResult } from '../core/application/ApplicationUpgrade';
import { SECTION, SessionSettings } from '../settings/extensionSettings';
import { FlinkSessionHandle } from './FlinkSessionHandle';
import { LaunchProgress } from './SessionLauncher';
import { sessionInput } from './sessionInput';
import type { SessionView } from './sessionViews';

/** The artifact server's settings (flinkMesos.application.*). */
export function readArtifactServerSettings(): ArtifactServerSettings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const text = (k: string): string | undefined => { const v = c.get<string>(k, '').trim(); return v === '' ? undefined : v; };
  const port = c.get<number>('application.artifactServerPort', 0);
  return {
    host: text('application.artifactServerAddress'), allowAnyAddress: c.get<boolean>('application.artifactServerAllowAnyAddress', false),
    port: port > 0 ? port : undefined, certFile: text('application.artifactServerCertFile'), keyFile: text('application.artifactServerKeyFile'),
  };
}

/** What this window does for an application it drives: answers other clients' requests, takes its periodic savepoints. */
async function serveDriven(app: FlinkApplication, storeDir: string | undefined, log: Logger): Promise<void> {
  if (!storeDir) return;
  await serveSessionControl(app.session, storeDir, log);
  runPeriodicSavepoints(app.session, storeDir, log);
}

function resultStore(storeDir: string | undefined): ApplicationResultStore {
  return storeDir ? new FileApplicationResultStore(storeDir) : new MemoryApplicationResultStore();
}

/** Starts an application with the session settings' resources; resolves once its job runs (or throws with the reason). */
export async function startApplication(settings: SessionSettings, input: ApplicationInput, sessionDeps: FlinkSessionDeps, storeDir: string | undefined,
  log: Logger, progress: LaunchProgress, token: vscode.CancellationToken): Promise<ApplicationHandle> {
  // The session settings' resources, task options and TLS; not high availability, which applications are not tested with.
  const base = { ...sessionInput(settings), ha: undefined, haStorage: undefined, frameworkName: `Flink application ${settings.name}` };
  validateSessionOptions(base);
  const artifactSettings = readArtifactServerSettings();
  const { spec, artifact } = await prepareApplication(input, artifactSettings);
  let app: FlinkApplication;
  try {
    const validated = validateSessionOptions({ ...base, application: spec });
    for (const w of validated.warnings) log.warn(w);
    app = await FlinkApplication.create(validated, { ...sessionDeps, results: resultStore(storeDir), artifactServer: artifactSettings }, artifact);
  } catch (e) {
    await artifact?.stop();
    throw e;
  }
  const handle = new ApplicationHandle(app, sessionDeps, log);
  const onChange = (): void => { const s = app.snapshot(); progress.report(s.job ? `job ${s.job.state}` : s.session.phase); };
  app.session.on('changed', onChange);
  app.on('job', onChange);
  const cancel = token.onCancellationRequested(() => { void app.stop(); });
  try {
    await app.start();
    await serveDriven(app, storeDir, log);
    // Until the job runs, or the application ended (a short batch job, a failure): either way the tree shows it.
    await new Promise<void>((resolve) => {
      const check = (): void => { const s = app.snapshot(); if (s.result || s.job?.state === 'RUNNING' || s.job?.state === 'FINISHED') resolve(); };
      app.on('job', check);
      void app.whenEnded().then(() => resolve());
      check();
    });
  } catch (err) {
    handle.dispose();
    throw err;
  } finally {
    app.session.off('changed', onChange);
    app.off('job', onChange);
    cancel.dispose();
  }
  if (token.isCancellationRequested) throw new Error(`Starting ${settings.name} was cancelled; its Mesos tasks were torn down.`);
  return handle;
}

/** After a reload: follows the application's job again, and tears its cluster down when the job ends. */
export async function reattachApplication(name: string, deps: FlinkSessionDeps, storeDir: string | undefined, log: Logger): Promise<ApplicationHandle> {
  const appDeps: ApplicationDeps = { ...deps, results: resultStore(storeDir), artifactServer: readArtifactServerSettings() };
  const app = await FlinkApplication.attach(name, appDeps);
  const handle = new ApplicationHandle(app, deps, log);
  app.on('warning', (w) => log.warn(`Application ${name}: ${w}`));
  try {
    await app.start();
  } catch (err) {
    handle.dispose();
    throw err;
  }
  await serveDriven(app, storeDir, log);
  return handle;
}

export interface ApplicationUpgradeInput {
  jar: string;
  entryClass?: string;
  args: string[];
  savepointDir?: string;
  allowNonRestoredState?: boolean;
  stableMs?: number;
}

/**
 * Upgrades an application this window follows (ApplicationUpgrade.ts): each cluster it starts is shown in place of the
 * previous one (onHandle), so the tree follows the new jar's cluster, or the previous jar's again after a rollback.
 */
export async function upgradeApplicationHandle(handle: ApplicationHandle, input: ApplicationUpgradeInput, sessionDeps: FlinkSessionDeps, storeDir: string | undefined,
  log: Logger, history: SavepointHistoryStore | undefined, onHandle: (h: ApplicationHandle) => void, onProgress: (step: string) => void): Promise<Omit<ApplicationUpgradeResult, 'app'> & { handle: ApplicationHandle }> {
  const name = handle.app.name;
  const record = await sessionDeps.store.load(name);
  if (!record) throw new Error(`Application ${name} has no saved record here, so it cannot be upgraded from this window.`);
  const artifactServer = readArtifactServerSettings();
  let current = handle;
  const { app: _running, ...result } = await upgradeApplication({
    current: record, next: { jar: input.jar, entryClass: input.entryClass, args: input.args }, savepointDir: input.savepointDir,
    allowNonRestoredState: input.allowNonRestoredState, stableMs: input.stableMs, artifactServer, onProgress, history,
    stopCurrent: async (dir) => {
      const r = await handle.app.stop({ savepointDir: dir ?? '' });
      if (!r.savepoint) throw new Error(`it ended without a savepoint (${r.reason ?? r.outcome})`);
      return r.savepoint;
    },
    launch: async (validated, artifact) => {
      const next = await FlinkApplication.create(validated, { ...sessionDeps, results: resultStore(storeDir), artifactServer }, artifact);
      current = new ApplicationHandle(next, sessionDeps, log);
      onHandle(current);
      await next.start();
      await serveDriven(next, storeDir, log);
      return next;
    },
  });
  // The last cluster launched is the one that runs: launch made its handle.
  return { ...result, handle: current };
}

/** The applications this window follows (started or reattached), by name: for Stop with Savepoint. */
export const liveApplications = new Map<string, ApplicationHandle>();

/** A session handle whose snapshot names the application, its job and its result; Stop tears it down, or stops with a savepoint. */
export class ApplicationHandle extends FlinkSessionHandle {
  private readonly fire: () => void;
  constructor(readonly app: FlinkApplication, deps: FlinkSessionDeps, log: Logger) {
    super(app.session, deps, log);
    // The job's state and the result change without the session changing: re-render on those too.
    this.fire = () => this.changed.fire();
    app.on('job', this.fire);
    app.on('ended', this.fire);
    liveApplications.set(app.name, this);
  }

  override snapshot(): Partial<SessionView> {
    const base = super.snapshot();
    const a = this.app.snapshot();
    const r = a.result;
    const spec = a.application;
    return {
      ...base,
      phaseDetail: r ? r.reason : base.phaseDetail,
      application: {
        jar: spec.jar.kind === 'local' ? spec.jar.path : spec.jar.uri, entryClass: spec.entryClass,
        jobId: r?.jobId ?? a.job?.id, jobState: r?.jobState ?? a.job?.state, outcome: r?.outcome, reason: r?.reason,
        rootCause: r?.rootException ? (r.rootException.rootCause ?? r.rootException.message) : undefined, savepoint: r?.savepoint,
      },
    };
  }

  override async stop(): Promise<void> {
    const r = await this.app.stop();
    if (r.leftTasks.length) throw new Error(`The application stopped, but the master still lists ${r.leftTasks.length} of its tasks: ${r.leftTasks.join(', ')}. Check the Mesos web UI.`);
  }

  /** Flink's stop-with-savepoint; the cluster is torn down once the job ended. Resolves with the savepoint's path. */
  async stopWithSavepoint(dir: string | undefined, drain: boolean): Promise<string | undefined> {
    const r = await this.app.stop({ savepointDir: dir ?? '', drain });
    return r.savepoint;
  }

  override async detach(): Promise<void> {
    await this.app.detach();
  }

  override dispose(): void {
    if (liveApplications.get(this.app.name) === this) liveApplications.delete(this.app.name);
    this.app.off('job', this.fire);
    this.app.off('ended', this.fire);
    super.dispose();
  }
}
