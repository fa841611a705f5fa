import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { MesosCredentials } from '../credentials/CredentialStore';
import { Logger } from '../core/log';
import { FlinkSession, FlinkSessionDeps, PartialFit, PartialFitChoice, SessionTimings } from '../core/session/FlinkSession';
import { validateSessionOptions } from '../core/session/SessionOptions';
import { FileSessionStore, SessionStore, ownerIsAlive } from '../core/session/SessionStore';
import { SessionConflictError } from '../core/session/sessionErrors';
import { serveSessionControl } from '../core/session/sessionControlService';
import { runPeriodicSavepoints } from '../core/session/periodicSavepoints';
import { checkForget, forgetSession, type ForgetVerdict } from '../core/session/forgetSession';
import { SessionSettings, readConnectionSettings } from '../settings/extensionSettings';
import { LaunchProgress, SessionLauncher } from './SessionLauncher';
import { WatchedSessionHandle } from './WatchedSessionHandle';
import { MesosSessionHandle } from './SessionManager';
import { reattachApplication } from './ApplicationLauncher';
import { FlinkSessionHandle, describe } from './FlinkSessionHandle';
import { sessionInput } from './sessionInput';
export { FlinkSessionHandle, flinkLocation, declinedOffers } from './FlinkSessionHandle';

/** Starts and reattaches sessions with the core's FlinkSession; turns its snapshots into what the UI shows. */
export class MesosSessionLauncher implements SessionLauncher {
  constructor(private readonly store: SessionStore, private readonly log: Logger, private readonly timings: Partial<SessionTimings> = {}) {}

  async start(settings: SessionSettings, credentials: MesosCredentials | undefined, progress: LaunchProgress, token: vscode.CancellationToken): Promise<MesosSessionHandle> {
    const validated = validateSessionOptions(sessionInput(settings));
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

  /** The Flink TLS stores' password, from SecretStorage; never stored elsewhere. */
  flinkSslPassword?: string;

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
      // From SecretStorage (SessionCommands loads it before a start or reattach); one password for every TLS session.
      flinkSslPassword: () => this.flinkSslPassword,
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
