import * as vscode from 'vscode';
import { CredentialStore } from './credentials/CredentialStore';
import { LOG_SCHEME, LogDocumentProvider } from './logs/LogDocumentProvider';
import { OutputChannelLogger } from './logging/OutputChannelLogger';
import { GlobalStorageSessionStore } from './session/GlobalStorageSessionStore';
import { MesosSessionLauncher } from './session/MesosSessionLauncher';
import { SessionCommands } from './session/SessionCommands';
import { SessionManager } from './session/SessionManager';
import { SessionModel } from './session/SessionModel';
import { TaskManagerCommands } from './session/TaskManagerCommands';
import { SECTION, readFlinkTimeoutMs } from './settings/extensionSettings';
import { SessionStatusBar } from './statusBar/SessionStatusBar';
import { JobCommands } from './submit/JobCommands';
import { MementoJarUploadStore } from './submit/MementoJarUploadStore';
import { SessionTreeDataProvider } from './tree/SessionTreeDataProvider';
import { PanelManager } from './webviews/PanelManager';

/** What activate() returns: the extension-host suite drives the extension through it. */
export interface FlinkMesosApi {
  model: SessionModel;
  manager: SessionManager;
  panels: PanelManager;
  tree: SessionTreeDataProvider;
  treeView: vscode.TreeView<unknown>;
  logger: OutputChannelLogger;
  statusBar: SessionStatusBar;
  logs: LogDocumentProvider;
  sessionCommands: SessionCommands;
  jobCommands: JobCommands;
  launcher: MesosSessionLauncher;
  credentials: CredentialStore;
  /** The extension's global state and where its session store lives: the security tests search them for secrets. */
  globalState: vscode.Memento;
  sessionStoreDir: string;
}

let api: FlinkMesosApi | undefined;

export function activate(context: vscode.ExtensionContext): FlinkMesosApi {
  const logger = new OutputChannelLogger();
  const model = new SessionModel();
  const manager = new SessionManager(model, logger, readFlinkTimeoutMs, new MementoJarUploadStore(context.globalState));
  const panels = new PanelManager(context.extensionUri, logger, manager);
  const tree = new SessionTreeDataProvider(model);
  const treeView = vscode.window.createTreeView('flinkMesos.sessions', { treeDataProvider: tree, showCollapseAll: true });
  const statusBar = new SessionStatusBar(model);
  const logs = new LogDocumentProvider(manager);
  const credentials = new CredentialStore(context.secrets);
  const sessionStore = new GlobalStorageSessionStore(context.globalStorageUri);
  const launcher = new MesosSessionLauncher(sessionStore, logger);
  const sessionCommands = new SessionCommands(context, manager, launcher, credentials, panels, logger);
  const jobCommands = new JobCommands(context, manager, panels, logger);

  context.subscriptions.push(
    logger, model, manager, panels, tree, treeView, statusBar, logs,
    vscode.workspace.registerTextDocumentContentProvider(LOG_SCHEME, logs),
    ...sessionCommands.register(),
    ...jobCommands.register(),
    ...new TaskManagerCommands(manager, panels, logs, logger).register(),
    treeView.onDidChangeVisibility(e => manager.setTreeVisible(e.visible)),
    model.onDidChangeSession(() => updateContextKeys(model)),
    model.onDidRemoveSession(() => updateContextKeys(model)),
    vscode.workspace.onDidChangeConfiguration(e => {
      if (e.affectsConfiguration(`${SECTION}.pollingIntervalSeconds`)) {
        manager.restartPolling();
        panels.pollingIntervalChanged();
        logs.restartTimer();
      }
    }),
  );
  manager.setTreeVisible(treeView.visible);
  updateContextKeys(model);
  logger.info('Flink on Mesos activated.');
  void sessionCommands.reattachSaved();
  api = { model, manager, panels, tree, treeView: treeView as vscode.TreeView<unknown>, logger, statusBar, logs, sessionCommands, jobCommands, launcher, credentials,
    globalState: context.globalState, sessionStoreDir: sessionStore.dir };
  return api;
}

function updateContextKeys(model: SessionModel): void {
  const sessions = model.list();
  const set = (key: string, value: boolean): void => void vscode.commands.executeCommand('setContext', key, value);
  set('flinkMesos.hasSession', sessions.length > 0);
  set('flinkMesos.hasMesosSession', sessions.some(s => !s.jobManagerOnly && s.phase !== 'stopped' && s.phase !== 'failed'));
  set('flinkMesos.hasJob', sessions.some(s => s.jobs.length > 0));
  set('flinkMesos.hasRunningJob', sessions.some(s => s.jobs.some(j => j.state === 'RUNNING')));
}

/** Drops Mesos connections without teardown: the sessions keep running and the next window reattaches. */
export async function deactivate(): Promise<void> {
  await api?.manager.detachAll();
  api = undefined;
}
