// The heavy part of the extension: sessions, the Flink and Mesos clients, webviews, logs and the command handlers.
// extension.ts loads it on first use (a command, a restored panel, a log document, saved sessions to reattach), so
// that activation itself stays cheap; webpack puts it in its own chunk (dist/core.chunk.js).
import * as vscode from 'vscode';
import type { CommandRegistrar } from './commandArgs';
import { CredentialStore } from './credentials/CredentialStore';
import { LogDocumentProvider } from './logs/LogDocumentProvider';
import type { OutputChannelLogger } from './logging/OutputChannelLogger';
import { SharedSessionStore, sharedSessionDir } from './session/SharedSessionStore';
import { MesosSessionLauncher } from './session/MesosSessionLauncher';
import { SessionCommands } from './session/SessionCommands';
import { ApplicationCommands } from './session/ApplicationCommands';
import { SessionManager } from './session/SessionManager';
import type { ApplicationResultsModel } from './session/ApplicationResultsModel';
import type { SessionModel } from './session/SessionModel';
import { TaskManagerCommands } from './session/TaskManagerCommands';
import { readFlinkTimeoutMs } from './settings/extensionSettings';
import { JobCommands } from './submit/JobCommands';
import { StreamingJobCommands } from './submit/StreamingJobCommands';
import { SavepointHistoryStore, savepointDirFor } from './core/session/SavepointHistoryStore';
import { StreamingJobService } from './session/StreamingJobService';
import { MementoJarUploadStore } from './submit/MementoJarUploadStore';
import { PanelManager } from './webviews/PanelManager';

export interface CoreDeps {
  context: vscode.ExtensionContext;
  logger: OutputChannelLogger;
  model: SessionModel;
  results: ApplicationResultsModel;
  /** Routes the commands the extension registered at activation to the handlers registered here. */
  registerCommand: CommandRegistrar;
  treeVisible: boolean;
}

export class ExtensionCore implements vscode.Disposable {
  readonly manager: SessionManager;
  readonly panels: PanelManager;
  readonly logs: LogDocumentProvider;
  readonly credentials: CredentialStore;
  readonly sessionStore: SharedSessionStore;
  readonly launcher: MesosSessionLauncher;
  readonly sessionCommands: SessionCommands;
  readonly jobCommands: JobCommands;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(deps: CoreDeps) {
    const { context, logger, model } = deps;
    // The savepoint history (and the periodic savepoint schedules) lives beside the shared session files, where the
    // command line and the process that drives the session read it.
    const streaming = new StreamingJobService(new SavepointHistoryStore(savepointDirFor(sharedSessionDir())), logger,
      (session, jobId) => this.panels?.get({ kind: 'jobResult', session, id: jobId })?.scheduleRender());
    this.manager = new SessionManager(model, logger, readFlinkTimeoutMs, new MementoJarUploadStore(context.globalState), streaming);
    // The extension registered the panel serializers at activation; it hands restored panels to panels.restore().
    this.panels = new PanelManager(context.extensionUri, logger, this.manager, false);
    this.logs = new LogDocumentProvider(this.manager);
    this.credentials = new CredentialStore(context.secrets);
    this.sessionStore = new SharedSessionStore();
    this.launcher = new MesosSessionLauncher(this.sessionStore, logger);
    this.sessionCommands = new SessionCommands(context, this.manager, this.launcher, this.credentials, this.panels, logger);
    this.jobCommands = new JobCommands(context, this.manager, this.panels, logger);
    this.disposables.push(
      this.manager, this.panels, this.logs,
      ...this.sessionCommands.register(deps.registerCommand),
      ...this.jobCommands.register(deps.registerCommand),
      ...new ApplicationCommands(this.manager, this.launcher, this.credentials, logger, deps.results, this.panels).register(deps.registerCommand),
      ...new StreamingJobCommands(this.manager, this.panels, logger).register(deps.registerCommand),
      ...new TaskManagerCommands(this.manager, this.panels, this.logs, logger).register(deps.registerCommand),
    );
    this.manager.setTreeVisible(deps.treeVisible);
  }

  pollingIntervalChanged(): void {
    this.manager.restartPolling();
    this.panels.pollingIntervalChanged();
    this.logs.restartTimer();
  }

  dispose(): void {
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
  }
}
