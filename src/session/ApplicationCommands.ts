// Application commands: Run as Application on a .jar (explorer, palette), Stop with Savepoint, Upgrade, Remove Application Result;
// all messages are here.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { asTarget, registerHandlers, type CommandRegistrar } from '../commandArgs';
import { CredentialStore } from '../credentials/CredentialStore';
import { OutputChannelLogger } from '../logging/OutputChannelLogger';
import { inspectJar } from '../core/flink/jarInspector';
import { defaultApplicationName } from '../core/application/applicationInput';
import { splitProgramArgs } from '../core/flink/programArgs';
import { readSessionSettings } from '../settings/extensionSettings';
import { liveApplications, startApplication, upgradeApplicationHandle, type ApplicationHandle } from './ApplicationLauncher';
import { UpgradeError } from '../core/flink/JobUpgrader';
import { MesosSessionLauncher } from './MesosSessionLauncher';
import type { ApplicationResultsModel } from './ApplicationResultsModel';
import { SessionManager } from './SessionManager';
import type { PanelManager } from '../webviews/PanelManager';

/** The applications this window follows whose job has not ended. */
function runningApplications(): string[] {
  return [...liveApplications.keys()].filter((n) => !liveApplications.get(n)?.app.snapshot().result);
}

export class ApplicationCommands {
  constructor(
    private readonly manager: SessionManager,
    private readonly launcher: MesosSessionLauncher,
    private readonly credentials: CredentialStore,
    private readonly log: OutputChannelLogger,
    private readonly results: ApplicationResultsModel,
    private readonly panels?: PanelManager,
  ) {}

  register(registerCommand: CommandRegistrar = vscode.commands.registerCommand): vscode.Disposable[] {
    return registerHandlers(registerCommand, this.log, this, [
      ['flinkMesos.application.run', this.run],
      ['flinkMesos.application.stopWithSavepoint', this.stopWithSavepoint],
      ['flinkMesos.application.upgrade', this.upgrade],
      ['flinkMesos.application.removeResult', this.removeResult],
    ]) as vscode.Disposable[];
  }

  /** Run as Application: the jar (from the explorer, or picked), its entry class and arguments; resources from the settings. */
  async run(arg?: unknown): Promise<void> {
    let jar = arg instanceof vscode.Uri ? arg.fsPath : undefined;
    if (!jar) {
      const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Flink jar': ['jar'] }, title: 'Run which jar as a Flink application?' });
      if (!picked?.[0]) return;
      jar = picked[0].fsPath;
    }
    const info = await inspectJar(jar).catch(() => undefined);
    const entryClass = await vscode.window.showInputBox({
      title: `Run ${path.basename(jar)} as an application: entry class`, value: info?.defaultEntryClass ?? '',
      prompt: info?.defaultEntryClass ? 'The manifest\'s class; change it or keep it.' : 'The jar\'s manifest names no Main-Class: give the entry class.',
      validateInput: (v) => (v.trim() === '' && !info?.defaultEntryClass ? 'The jar has no Main-Class: an entry class is needed.' : undefined),
    });
    if (entryClass === undefined) return;
    const argsText = await vscode.window.showInputBox({ title: 'Program arguments', prompt: 'As on a command line; empty for none.' });
    if (argsText === undefined) return;
    const savepoint = await vscode.window.showInputBox({ title: 'Start from a savepoint?', prompt: 'A savepoint path as the JobManager sees it; empty to start fresh.' });
    if (savepoint === undefined) return;
    const settings = { ...readSessionSettings() };
    settings.name = defaultApplicationName(jar);
    if (this.manager.has(settings.name)) settings.name = `${settings.name}-${Date.now().toString(36)}`;
    const creds = await this.credentials.get(settings.master);
    this.log.addSecret(creds?.secret);
    await this.loadFlinkSslPassword();
    const handle = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Flink application ${settings.name}`, cancellable: true },
      (progress, token) => startApplication(settings, {
        jar, entryClass: entryClass.trim() || undefined, args: splitProgramArgs(argsText), savepoint: savepoint.trim() || undefined,
      }, this.launcher.deps(creds), this.launcher.storeDir, this.log, { report: (message) => progress.report({ message }) }, token));
    this.manager.adoptMesosSession(settings.name, handle);
    this.announceEnd(handle);
  }

  /** Stop with Savepoint: Flink writes the savepoint and ends the job; the cluster is torn down after it, the tree keeps the result. */
  async stopWithSavepoint(arg?: unknown): Promise<void> {
    const running = runningApplications();
    const name = asTarget(arg).session ?? (running.length === 1 ? running[0] : await vscode.window.showQuickPick(running, { title: 'Stop which application with a savepoint?' }));
    const handle = name ? liveApplications.get(name) : undefined;
    if (!name) return;
    if (!handle) throw new Error(`"${name}" is not an application this window follows. Stop a session's job with a savepoint from its job instead.`);
    const dir = await vscode.window.showInputBox({ title: `Stop ${name} with a savepoint`, prompt: 'The savepoint folder as the JobManager sees it; empty for the cluster\'s state.savepoints.dir.' });
    if (dir === undefined) return;
    this.log.info(`Stopping application ${name} with a savepoint into ${dir.trim() || 'its state.savepoints.dir'}.`);
    const savepoint = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Stopping ${name} with a savepoint…` },
      () => handle.stopWithSavepoint(dir.trim() || undefined, false));
    this.log.info(`Application ${name} stopped with a savepoint${savepoint ? ` at ${savepoint}` : ''}; its cluster is gone.`);
    void vscode.window.showInformationMessage(`Flink application ${name} stopped with a savepoint${savepoint ? ` at ${savepoint}` : ''}.`);
  }

  /**
   * Upgrade: stop with a savepoint, the new jar from it as the same application, the previous jar again if the new one
   * fails. The argument may carry session, jarPath, args (array), entryClass, savepointDir and stableMs (tests,
   * keybindings); what is missing is asked. Resolves with the job that runs afterwards.
   */
  async upgrade(arg?: unknown): Promise<string | undefined> {
    const given = (arg ?? {}) as { jarPath?: unknown; args?: unknown; entryClass?: unknown; savepointDir?: unknown; stableMs?: unknown; mode?: unknown };
    if (given.mode !== undefined && given.mode !== 'savepoint') {
      throw new Error(`An application is upgraded in mode savepoint only (its new cluster starts from the stop's savepoint), not ${String(given.mode)}.`);
    }
    const running = runningApplications();
    const name = asTarget(arg).session ?? (running.length === 1 ? running[0] : await vscode.window.showQuickPick(running, { title: 'Upgrade which application?' }));
    if (!name) return undefined;
    const handle = liveApplications.get(name);
    if (!handle) throw new Error(`"${name}" is not an application this window follows. Reattach it (reload the window) or upgrade it with flink-mesos application upgrade --name ${name}.`);
    const spec = handle.app.spec;
    let jarPath = typeof given.jarPath === 'string' ? given.jarPath : undefined;
    if (!jarPath) {
      const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Flink jar': ['jar'] }, title: `Upgrade ${name}: the new jar`,
        defaultUri: spec.jar.kind === 'local' ? vscode.Uri.file(path.dirname(spec.jar.path)) : undefined });
      jarPath = picked?.[0]?.fsPath;
      if (!jarPath) return undefined;
    }
    let args: string[];
    if (Array.isArray(given.args) && given.args.every((a) => typeof a === 'string')) args = given.args as string[];
    else {
      const text = await vscode.window.showInputBox({ title: `Upgrade ${name}: program arguments`, value: spec.args.join(' '), prompt: 'As on a command line; empty for none.' });
      if (text === undefined) return undefined;
      args = splitProgramArgs(text);
    }
    let savepointDir = typeof given.savepointDir === 'string' ? given.savepointDir : undefined;
    if (savepointDir === undefined) {
      savepointDir = await vscode.window.showInputBox({ title: `Upgrade ${name}: savepoint folder`, prompt: 'The folder for the stop-with-savepoint, as the JobManager sees it; empty for the cluster\'s state.savepoints.dir.' });
      if (savepointDir === undefined) return undefined;
    }
    const creds = await this.credentials.get(handle.app.session.snapshot().options.master);
    await this.loadFlinkSslPassword();
    // The old job's panel would ask the new JobManager for a job it never had: it closes with the old cluster, and the
    // running job's panel opens in its place afterwards.
    const oldJobId = handle.app.snapshot().job?.id;
    let hadPanel = false;
    const closeOldPanel = (): void => {
      const panel = oldJobId ? this.panels?.get({ kind: 'jobResult', session: name, id: oldJobId }) : undefined;
      if (panel) { hadPanel = true; panel.dispose(); }
    };
    const result = await Promise.resolve(vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Upgrading application ${name}` },
      (progress) => upgradeApplicationHandle(handle, {
        jar: jarPath!, entryClass: typeof given.entryClass === 'string' ? given.entryClass : undefined, args, savepointDir: savepointDir!.trim() || undefined,
        stableMs: typeof given.stableMs === 'number' ? given.stableMs : undefined,
      }, this.launcher.deps(creds), this.launcher.storeDir, this.log, this.manager.streaming?.history,
      (h) => { closeOldPanel(); this.manager.adoptMesosSession(name, h); this.announceEnd(h); }, (message) => progress.report({ message })))).catch((err: unknown) => {
      if (err instanceof UpgradeError && err.resumeCommand) {
        void vscode.window.showErrorMessage(err.message, 'Copy Resume Command').then((c) => (c ? vscode.env.clipboard.writeText(err.resumeCommand as string) : undefined));
        return undefined;
      }
      throw err;
    });
    if (!result) return undefined;
    if (hadPanel) this.panels?.show({ kind: 'jobResult', session: name, id: result.runningJobId });
    if (result.outcome === 'upgraded') void vscode.window.showInformationMessage(`Upgraded: application ${name} runs ${path.basename(jarPath)} as job ${result.runningJobId}, from ${result.savepoint}.`);
    else void vscode.window.showWarningMessage(`Rolled back: the new jar failed (${result.reason}). Application ${name} runs the previous jar again as job ${result.runningJobId}, from ${result.savepoint}.`);
    return result.runningJobId;
  }

  /** The Flink TLS password from SecretStorage into the launcher (an application with TLS passes it to its tasks), masked in the log. */
  private async loadFlinkSslPassword(): Promise<void> {
    const password = await this.credentials.getFlinkSslPassword();
    this.log.addSecret(password);
    this.launcher.flinkSslPassword = password;
  }

  /** Says once how an application ended. */
  private announceEnd(handle: ApplicationHandle): void {
    const name = handle.app.name;
    void handle.app.whenEnded().then((r) => {
      const text = `Flink application ${name} ${r.outcome}${r.reason ? `: ${r.reason}` : ''}`;
      if (r.outcome === 'failed') void vscode.window.showErrorMessage(text); else void vscode.window.showInformationMessage(text);
    });
  }

  /** Removes an ended application from the tree: its kept result file goes (the CLI's `application status` no longer lists it). */
  async removeResult(arg?: unknown): Promise<void> {
    const ended = (n: string): boolean => this.manager.model.get(n)?.application?.outcome !== undefined;
    const names = [...new Set([...this.results.list().map((r) => r.name), ...this.manager.model.list().filter((s) => ended(s.name)).map((s) => s.name)])];
    const name = asTarget(arg).session ?? await vscode.window.showQuickPick(names, { title: 'Remove which application result?' });
    if (!name) return;
    const live = this.manager.model.get(name);
    if (live?.application && !ended(name)) {
      throw new Error(`Application ${name} still runs: its result is kept once it ended. Stop it first (Stop Session, or Stop Application with Savepoint).`);
    }
    if (live?.application) this.manager.remove(name);
    await this.results.remove(name);
  }
}
