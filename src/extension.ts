import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { CommandRegistrar } from './commandArgs';
import type { CredentialStore } from './credentials/CredentialStore';
import type { ExtensionCore } from './extensionCore';
import { LOG_SCHEME, type LogDocumentProvider } from './logs/LogDocumentProvider';
import { OutputChannelLogger } from './logging/OutputChannelLogger';
import type { MesosSessionLauncher } from './session/MesosSessionLauncher';
import type { SessionCommands } from './session/SessionCommands';
import type { SessionManager } from './session/SessionManager';
import { ApplicationResultsModel } from './session/ApplicationResultsModel';
import { SessionModel } from './session/SessionModel';
import { SessionStatusBar } from './statusBar/SessionStatusBar';
import type { JobCommands } from './submit/JobCommands';
import { SessionTreeDataProvider } from './tree/SessionTreeDataProvider';
import { adoptLegacySessions, sharedSessionDir } from './session/SharedSessionStore';
import type { PanelManager } from './webviews/PanelManager';
import { registerPanelSerializers } from './webviews/panelViewTypes';

/** What activate() returns: the extension-host suite drives the extension through it. The core's parts load on first access. */
export interface FlinkMesosApi {
  model: SessionModel;
  /** Kept results of ended applications, shown in the tree until removed. */
  results: ApplicationResultsModel;
  readonly manager: SessionManager;
  readonly panels: PanelManager;
  tree: SessionTreeDataProvider;
  treeView: vscode.TreeView<unknown>;
  logger: OutputChannelLogger;
  statusBar: SessionStatusBar;
  readonly logs: LogDocumentProvider;
  readonly sessionCommands: SessionCommands;
  readonly jobCommands: JobCommands;
  readonly launcher: MesosSessionLauncher;
  readonly credentials: CredentialStore;
  /** The extension's global state and where its session store lives: the security tests search them for secrets. */
  globalState: vscode.Memento;
  sessionStoreDir: string;
  /** Whether the core (sessions, Flink and Mesos clients, panels) has been loaded yet. */
  readonly coreLoaded: boolean;
}

/** Every command of package.json: registered at activation, their handlers live in the lazily loaded core. */
export const COMMAND_IDS = [
  'flinkMesos.session.start', 'flinkMesos.session.stop', 'flinkMesos.session.scale', 'flinkMesos.session.attach', 'flinkMesos.session.detach', 'flinkMesos.session.forget',
  'flinkMesos.session.showResources', 'flinkMesos.session.openFlinkUi', 'flinkMesos.session.openMesosUi',
  'flinkMesos.credentials.set', 'flinkMesos.credentials.clear', 'flinkMesos.flinkSsl.setPassword', 'flinkMesos.refresh', 'flinkMesos.showOutput',
  'flinkMesos.application.run', 'flinkMesos.application.stopWithSavepoint', 'flinkMesos.application.upgrade', 'flinkMesos.application.removeResult',
  'flinkMesos.jar.submit', 'flinkMesos.jar.showPlan', 'flinkMesos.job.cancel', 'flinkMesos.job.stopWithSavepoint', 'flinkMesos.job.showResult',
  'flinkMesos.job.savepoint', 'flinkMesos.job.upgrade', 'flinkMesos.job.periodicSavepoints', 'flinkMesos.job.showTaskManagerLogAt',
  'flinkMesos.taskManager.show', 'flinkMesos.logs.show',
] as const;

declare const __webpack_require__: ((id: string | number) => unknown) | undefined;
declare const __webpack_modules__: Record<string | number, unknown> | undefined;

/**
 * Loads src/extensionCore synchronously. In the bundle it is a chunk of its own: webpack's Node chunk loading installs
 * a chunk with a synchronous require() as soon as import() is called, after which the module is required by its id.
 * Compiled by tsc (tests, benchmarks) it is an ordinary require.
 */
function requireCoreModule(): typeof import('./extensionCore') {
  if (typeof __webpack_require__ === 'function') {
    const id = (require as unknown as { resolveWeak(request: string): string | number }).resolveWeak('./extensionCore');
    import(/* webpackChunkName: "core" */ './extensionCore').catch(() => undefined);
    if (!__webpack_modules__?.[id]) throw new Error('The extension\'s core chunk (dist/core.chunk.js) did not load: reinstall the extension.');
    return __webpack_require__(id) as typeof import('./extensionCore');
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./extensionCore') as typeof import('./extensionCore');
}

let api: FlinkMesosApi | undefined;
let loadedCore: ExtensionCore | undefined;

export function activate(context: vscode.ExtensionContext): FlinkMesosApi {
  const logger = new OutputChannelLogger();
  const model = new SessionModel();
  const sessionStoreDir = sharedSessionDir();
  const results = new ApplicationResultsModel(sessionStoreDir);
  const tree = new SessionTreeDataProvider(model, results);
  const treeView = vscode.window.createTreeView('flinkMesos.sessions', { treeDataProvider: tree, showCollapseAll: true });
  const statusBar = new SessionStatusBar(model);
  const reloadResults = (): void => void results.reload().catch(err => logger.warn(`Reading the kept application results: ${err instanceof Error ? err.message : String(err)}`));

  // Command handlers, filled by the core when it loads; each command loads the core on its first run.
  const handlers = new Map<string, (arg?: unknown) => Promise<unknown>>();
  const registerCommand: CommandRegistrar = (id, handler) => {
    handlers.set(id, handler);
    return { dispose: () => { if (handlers.get(id) === handler) handlers.delete(id); } };
  };
  let core: ExtensionCore | undefined;
  const ensureCore = (): ExtensionCore => {
    if (!core) {
      const started = Date.now();
      const { ExtensionCore } = requireCoreModule();
      core = new ExtensionCore({ context, logger, model, results, registerCommand, treeVisible: treeView.visible });
      loadedCore = core;
      context.subscriptions.push(core, core.logs.onDidChange(uri => logChanged.fire(uri)));
      logger.debug(`Flink on Mesos core loaded in ${Date.now() - started} ms.`);
    }
    return core;
  };

  const logChanged = new vscode.EventEmitter<vscode.Uri>();
  context.subscriptions.push(
    logger, model, results, tree, treeView, statusBar, logChanged,
    ...COMMAND_IDS.map(id => vscode.commands.registerCommand(id, (arg?: unknown) => {
      // Refresh reads the kept application results again too (a terminal may have written one).
      if (id === 'flinkMesos.refresh') reloadResults();
      ensureCore();
      const handler = handlers.get(id);
      if (!handler) throw new Error(`Flink on Mesos has no handler for ${id}.`);
      return handler(arg);
    })),
    vscode.workspace.registerTextDocumentContentProvider(LOG_SCHEME, {
      onDidChange: logChanged.event,
      provideTextDocumentContent: uri => ensureCore().logs.provideTextDocumentContent(uri),
    }),
    ...registerPanelSerializers((kind, panel, state) => ensureCore().panels.restore(kind, panel, state)),
    treeView.onDidChangeVisibility(e => core?.manager.setTreeVisible(e.visible)),
    model.onDidChangeSession(() => updateContextKeys(model)),
    model.onDidRemoveSession(() => updateContextKeys(model)),
    // An application that ended in this window has written its result; a removed session may uncover a kept one.
    model.onDidChangeSession(name => { if (model.get(name)?.application?.outcome) reloadResults(); }),
    model.onDidRemoveSession(() => reloadResults()),
    vscode.workspace.onDidChangeConfiguration(e => {
      if (e.affectsConfiguration('flinkMesos.pollingIntervalSeconds')) core?.pollingIntervalChanged();
    }),
  );
  updateContextKeys(model);
  reloadResults();
  logger.info('Flink on Mesos activated.');
  // Sessions saved by an earlier window are reattached right after activation, not inside it.
  setImmediate(() => void adoptLegacySessions(context.globalStorageUri.fsPath, sessionStoreDir, logger).then(() => reattachSaved(sessionStoreDir, ensureCore, logger)));

  api = {
    model, results, tree, treeView: treeView as vscode.TreeView<unknown>, logger, statusBar, globalState: context.globalState, sessionStoreDir,
    get manager() { return ensureCore().manager; },
    get panels() { return ensureCore().panels; },
    get logs() { return ensureCore().logs; },
    get sessionCommands() { return ensureCore().sessionCommands; },
    get jobCommands() { return ensureCore().jobCommands; },
    get launcher() { return ensureCore().launcher; },
    get credentials() { return ensureCore().credentials; },
    get coreLoaded() { return core !== undefined; },
  };
  return api;
}

/** Loads the core only when the session store holds a session file. */
async function reattachSaved(dir: string, ensureCore: () => ExtensionCore, logger: OutputChannelLogger): Promise<void> {
  try {
    const files = await fs.promises.readdir(dir).catch(() => [] as string[]);
    if (!files.some(f => f.endsWith('.json'))) return;
    await ensureCore().sessionCommands.reattachSaved();
  } catch (err) {
    logger.warn(`Reattaching saved sessions: ${err instanceof Error ? err.message : String(err)}`);
  }
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
  await loadedCore?.manager.detachAll();
  loadedCore = undefined;
  api = undefined;
}
