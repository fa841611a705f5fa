// Application commands: Run as Application on a .jar (explorer, palette), Stop with Savepoint, Remove Application Result;
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
import { liveApplications, startApplication } from './ApplicationLauncher';
import { MesosSessionLauncher } from './MesosSessionLauncher';
import type { ApplicationResultsModel } from './ApplicationResultsModel';
import { SessionManager } from './SessionManager';

export class ApplicationCommands {
  constructor(
    private readonly manager: SessionManager,
    private readonly launcher: MesosSessionLauncher,
    private readonly credentials: CredentialStore,
    private readonly log: OutputChannelLogger,
    private readonly results: ApplicationResultsModel,
  ) {}

  register(registerCommand: CommandRegistrar = vscode.commands.registerCommand): vscode.Disposable[] {
    return registerHandlers(registerCommand, this.log, this, [
      ['flinkMesos.application.run', this.run],
      ['flinkMesos.application.stopWithSavepoint', this.stopWithSavepoint],
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
    const handle = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Flink application ${settings.name}`, cancellable: true },
      (progress, token) => startApplication(settings, {
        jar, entryClass: entryClass.trim() || undefined, args: splitProgramArgs(argsText), savepoint: savepoint.trim() || undefined,
      }, this.launcher.deps(creds), this.launcher.storeDir, this.log, { report: (message) => progress.report({ message }) }, token));
    this.manager.adoptMesosSession(settings.name, handle);
    void handle.app.whenEnded().then((r) => {
      const text = `Flink application ${settings.name} ${r.outcome}${r.reason ? `: ${r.reason}` : ''}`;
      if (r.outcome === 'failed') void vscode.window.showErrorMessage(text); else void vscode.window.showInformationMessage(text);
    });
  }

  /** Stop with Savepoint: Flink writes the savepoint and ends the job; the cluster is torn down after it, the tree keeps the result. */
  async stopWithSavepoint(arg?: unknown): Promise<void> {
    const running = [...liveApplications.keys()].filter((n) => !liveApplications.get(n)?.app.snapshot().result);
    const name = asTarget(arg).session ?? (running.length === 1 ? running[0] : await vscode.window.showQuickPick(running, { title: 'Stop which application with a savepoint?' }));
    const handle = name ? liveApplications.get(name) : undefined;
    if (!name) return;
    if (!handle) throw new Error(`"${name}" is not an application this window follows. Stop a session's job with a savepoint from its job instead.`);
    const dir = await vscode.window.showInputBox({ title: `Stop ${name} with a savepoint`, prompt: 'The savepoint folder as the JobManager sees it; empty for the cluster\'s state.savepoints.dir.' });
    if (dir === undefined) return;
    const savepoint = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Stopping ${name} with a savepoint…` },
      () => handle.stopWithSavepoint(dir.trim() || undefined, false));
    void vscode.window.showInformationMessage(`Flink application ${name} stopped with a savepoint${savepoint ? ` at ${savepoint}` : ''}.`);
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
