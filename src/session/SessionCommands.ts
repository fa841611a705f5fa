import * as vscode from 'vscode';
import { asTarget, registerHandlers, type CommandRegistrar } from '../commandArgs';
import { CredentialStore } from '../credentials/CredentialStore';
import { OutputChannelLogger, errorText } from '../logging/OutputChannelLogger';
import { readConnectionSettings, readSessionSettings, type SessionSettings } from '../settings/extensionSettings';
import { PanelManager } from '../webviews/PanelManager';
import { SessionLauncher } from './SessionLauncher';
import { SessionManager } from './SessionManager';
import { ENDED_PHASES, SessionView } from './sessionViews';
import { StartSessionWizard, rememberStart } from './StartSessionWizard';
import { QuickInputUi, ask, choose, vscodeQuickInput } from '../wizard/multiStep';

/** Session commands: thin, each delegates to the SessionManager or the launcher; all messages to the user are here. */
export class SessionCommands {
  /** Where questions are asked; the extension-host tests put a driver here. */
  ui: QuickInputUi = vscodeQuickInput;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly manager: SessionManager,
    private readonly launcher: SessionLauncher,
    private readonly credentials: CredentialStore,
    private readonly panels: PanelManager,
    private readonly log: OutputChannelLogger,
  ) {}

  /** Registers the handlers; the extension passes its own registrar, which routes the commands it registered at activation. */
  register(registerCommand: CommandRegistrar = vscode.commands.registerCommand): vscode.Disposable[] {
    return registerHandlers(registerCommand, this.log, this, [
      ['flinkMesos.session.start', this.start],
      ['flinkMesos.session.stop', this.stop],
      ['flinkMesos.session.scale', this.scale],
      ['flinkMesos.session.attach', this.attach],
      ['flinkMesos.session.detach', this.detach],
      ['flinkMesos.session.forget', this.forget],
      ['flinkMesos.session.showResources', this.showResources],
      ['flinkMesos.session.openFlinkUi', this.openFlinkUi],
      ['flinkMesos.session.openMesosUi', this.openMesosUi],
      ['flinkMesos.credentials.set', this.setCredentials],
      ['flinkMesos.credentials.clear', this.clearCredentials],
      ['flinkMesos.refresh', this.refresh],
      ['flinkMesos.showOutput', async () => this.log.channel.show(true)],
    ]) as vscode.Disposable[];
  }

  async start(): Promise<SessionView | undefined> {
    const input = await new StartSessionWizard(this.context.globalState, () => this.manager.names(), this.ui).run();
    if (!input) return undefined;
    await rememberStart(this.context.globalState, input);
    return this.launch({ ...readSessionSettings(), ...input });
  }

  /** Starts a session from its settings; offers a one-step restart with the same settings if its JobManager ends it (no HA). */
  private async launch(settings: SessionSettings): Promise<SessionView | undefined> {
    this.warnIfTlsOff();
    const creds = await this.credentials.get(settings.master);
    this.log.addSecret(creds?.secret);
    this.log.info(`Starting session ${settings.name} on ${settings.master}: ${settings.taskManagers} TaskManagers × ${settings.slotsPerTaskManager} slots.`);
    const handle = await vscode.window.withProgress({
      location: vscode.ProgressLocation.Notification, title: `Flink session ${settings.name}`, cancellable: true,
    }, (progress, token) => this.launcher.start(settings, creds, { report: message => progress.report({ message }) }, token));
    this.manager.adoptMesosSession(settings.name, handle);
    await this.manager.refresh(settings.name).catch(() => undefined);
    const view = this.manager.model.get(settings.name);
    void this.announce(view);
    this.offerRestart(settings);
    return view;
  }

  private offerRestart(settings: SessionSettings): void {
    const sub = this.manager.model.onDidChangeSession(() => {
      const v = this.manager.model.get(settings.name);
      if (!v || !ENDED_PHASES.includes(v.phase)) return;
      sub.dispose();
      if (!v.restartable) return;
      void (async () => {
        // The core's reason names the command line's flag; here the setting is what the user changes.
        const detail = (v.phaseDetail ?? 'Its JobManager ended.').replace('(--ha)', '(flinkMesos.highAvailability)');
        const choice = await vscode.window.showErrorMessage(`Flink session ${settings.name} failed: ${detail}` +
          (/high availability/.test(detail) ? '' : ' Its jobs are not recovered without high availability (flinkMesos.highAvailability).'), 'Restart Session');
        if (choice !== 'Restart Session') return;
        this.manager.remove(settings.name);
        await this.launch(settings).catch((err) => vscode.window.showErrorMessage(`Restarting ${settings.name}: ${errorText(err, this.log)}`));
      })();
    });
    this.context.subscriptions.push(sub);
  }

  /** After a window reload: reattach every saved session this window can drive; a session another window drives is refused clearly. */
  async reattachSaved(): Promise<void> {
    for (const name of await this.launcher.saved()) {
      if (this.manager.has(name)) continue;
      try {
        const handle = await this.launcher.reattach(name, async m => { const c = await this.credentials.get(m); this.log.addSecret(c?.secret); return c; });
        this.manager.adoptMesosSession(name, handle);
        this.log.info(this.manager.model.get(name)?.readOnly ? `Following session ${name} read-only (another client drives it).` : `Reattached session ${name}.`);
      } catch (err) {
        this.log.warn(`Reattaching ${name}: ${errorText(err, this.log)}`);
        void vscode.window.showWarningMessage(`Flink session ${name} was not reattached: ${errorText(err, this.log)}`);
      }
    }
  }

  private async announce(view: SessionView | undefined): Promise<void> {
    if (!view?.jobManager) return;
    const buttons = ['Open Flink Web UI', ...(view.mesosUiUrl ? ['Open Mesos Web UI'] : [])];
    const choice = await vscode.window.showInformationMessage(`Flink session ${view.name} is up: JobManager at ${view.jobManager.restUrl}`, ...buttons);
    if (choice === 'Open Flink Web UI') await this.openFlinkUi({ session: view.name });
    if (choice === 'Open Mesos Web UI') await this.openMesosUi({ session: view.name });
  }

  async stop(arg?: unknown): Promise<void> {
    const name = await this.pickSession(arg, 'Stop which session?', s => !s.jobManagerOnly && !ENDED_PHASES.includes(s.phase));
    if (!name) return;
    const confirmed = asTarget(arg).session ? 'Stop' : await vscode.window.showWarningMessage(
      `Stop the Flink session ${name}? Its running jobs end and its Mesos tasks are killed.`, { modal: true }, 'Stop');
    if (confirmed !== 'Stop') return;
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Stopping ${name}…` }, () => this.manager.stop(name));
    this.manager.remove(name);
    void vscode.window.showInformationMessage(`Flink session ${name} stopped.`);
  }

  async scale(arg?: unknown): Promise<void> {
    const name = await this.pickSession(arg, 'Scale which session?', s => !s.jobManagerOnly && s.phase === 'running');
    if (!name) return;
    const view = this.manager.model.get(name);
    const current = view?.taskManagersWanted === 'greedy' ? view.taskManagers.filter(t => !t.lost).length : view?.taskManagersWanted ?? 1;
    // A number in the argument (keybindings, other extensions, tests) skips the question.
    const given = (arg as { taskManagers?: unknown } | undefined)?.taskManagers;
    const text = given !== undefined ? String(given) : await ask(this.ui, {
      title: `Scale ${name}`, prompt: 'Number of TaskManagers', value: String(current), validate: taskManagerCountError,
    });
    if (!text) return;
    const problem = taskManagerCountError(text);
    if (problem) throw new Error(problem);
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Scaling ${name} to ${text} TaskManagers…` }, () => this.manager.scale(name, Number(text)));
  }

  /** Attach to a session saved in this workspace's storage, or to any JobManager by address. */
  async attach(arg?: unknown): Promise<SessionView | undefined> {
    const target = arg as { jobManagerUrl?: unknown; name?: unknown } | undefined;
    if (typeof target?.jobManagerUrl === 'string') return this.attachJobManager(target.jobManagerUrl, typeof target.name === 'string' ? target.name : undefined);
    const saved = (await this.launcher.saved()).filter(n => !this.manager.has(n));
    const items = [
      ...saved.map(n => ({ label: `$(vm) ${n}`, description: 'saved session', name: n })),
      { label: '$(plug) JobManager by address…', description: 'any Flink cluster with a reachable REST API', name: undefined as string | undefined },
    ];
    const picked = items.length === 1 ? items[0] : await choose(this.ui, items, { title: 'Attach' });
    if (!picked) return undefined;
    if (picked.name) {
      const name = picked.name;
      const handle = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Reattaching ${name}…` },
        () => this.launcher.reattach(name, async m => { const c = await this.credentials.get(m); this.log.addSecret(c?.secret); return c; }));
      this.manager.adoptMesosSession(name, handle);
      return this.manager.model.get(name);
    }
    const url = await ask(this.ui, {
      title: 'Attach to a Flink JobManager', prompt: 'The JobManager\'s REST address', placeholder: 'http://host:8081', validate: v => jobManagerUrlError(v),
    });
    if (!url) return undefined;
    return this.attachJobManager(url);
  }

  private async attachJobManager(url: string, name?: string): Promise<SessionView | undefined> {
    const problem = jobManagerUrlError(url);
    if (problem) throw new Error(problem);
    const host = new URL(/^https?:\/\//i.test(url.trim()) ? url.trim() : `http://${url.trim()}`);
    let sessionName = name ?? `${host.hostname}:${host.port || '8081'}`;
    for (let i = 2; this.manager.has(sessionName); i++) sessionName = `${name ?? host.host}-${i}`;
    const view = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Attaching to ${url}…` },
      () => this.manager.attachJobManager(sessionName, url.trim()));
    void vscode.window.showInformationMessage(`Attached to Flink ${view.flinkVersion ?? ''} at ${view.jobManager?.restUrl ?? url}.`);
    return view;
  }

  /**
   * Forgets a session whose master is unreachable or no longer knows its framework: says which and what it means for tasks
   * that may still run, asks, then removes the saved record so the name is free. Refused while the master knows it.
   */
  async forget(arg?: unknown): Promise<void> {
    const name = await this.pickSession(arg, 'Forget which session?', s => !s.jobManagerOnly && (s.phase === 'disconnected' || s.phase === 'gone' || s.phase === 'failed'));
    if (!name) return;
    const view = this.manager.model.get(name);
    const creds = view?.master ? await this.credentials.get(view.master) : undefined;
    this.log.addSecret(creds?.secret);
    const drivesHere = this.manager.has(name) && !view?.readOnly;
    const verdict = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Asking the Mesos master about ${name}…` },
      () => this.launcher.checkForget(name, creds, drivesHere));
    const confirmed = (arg as { confirm?: unknown } | undefined)?.confirm === false ? 'Forget' : await vscode.window.showWarningMessage(
      `Forget the Flink session ${name}? ${verdict.message}`, { modal: true }, 'Forget');
    if (confirmed !== 'Forget') return;
    // This window lets go of it first, so no save of its own brings the record back.
    await this.manager.detach(name);
    await this.launcher.forget(verdict);
    this.manager.remove(name);
    this.log.info(`Forgot session ${name}: ${verdict.message}`);
    void vscode.window.showInformationMessage(`Flink session ${name} forgotten. ${verdict.tasksMayRun ? 'Its tasks may still run on that cluster until its failover timeout passes.' : 'Nothing of it runs on the master.'}`);
  }

  async detach(arg?: unknown): Promise<void> {
    const name = await this.pickSession(arg, 'Detach which session?', () => true);
    if (name) await this.manager.detach(name);
  }

  async showResources(arg?: unknown): Promise<void> {
    const name = await this.pickSession(arg, 'Show the resources of which session?', s => !s.jobManagerOnly);
    if (name) this.panels.show({ kind: 'sessionResources', session: name });
  }

  async openFlinkUi(arg?: unknown): Promise<void> {
    const name = await this.pickSession(arg, 'Open the Flink web UI of which session?', s => !!s.jobManager);
    const url = name ? this.manager.flinkUiUrl(name) : undefined;
    if (!name) return;
    if (!url) throw new Error(`Session ${name} has no JobManager address yet. Wait until its JobManager is up.`);
    await vscode.env.openExternal(vscode.Uri.parse(url));
  }

  async openMesosUi(arg?: unknown): Promise<void> {
    const names = this.manager.model.list().filter(s => !s.jobManagerOnly);
    const name = names.length ? await this.pickSession(arg, 'Open the Mesos web UI of which session?', s => !s.jobManagerOnly) : undefined;
    const url = name ? this.manager.mesosUiUrl(name) : mesosUiFromSetting(readSessionSettings().master);
    if (!url) throw new Error('No Mesos master known. Set flinkMesos.master in the settings, or start a session.');
    await vscode.env.openExternal(vscode.Uri.parse(url));
  }

  async setCredentials(): Promise<void> {
    const master = await ask(this.ui, {
      title: 'Set Mesos Credentials (1/3)', prompt: 'For which master? Leave "*" for every master.', value: readSessionSettings().master || '*',
    });
    if (master === undefined) return;
    const principal = await ask(this.ui, { title: 'Set Mesos Credentials (2/3)', prompt: 'Principal', validate: v => v.trim() ? undefined : 'Type the framework principal the master knows.' });
    if (!principal) return;
    const secret = await ask(this.ui, { title: 'Set Mesos Credentials (3/3)', prompt: 'Secret (kept in the system\'s secret storage, never in settings)', password: true, validate: v => v ? undefined : 'Type the secret.' });
    if (!secret) return;
    this.log.addSecret(secret);
    await this.credentials.set(master.trim() === '*' ? '' : master, { principal: principal.trim(), secret });
    this.log.info(`Mesos credentials saved for ${master.trim() || '*'} (principal ${principal.trim()}).`);
    void vscode.window.showInformationMessage(`Mesos credentials saved for ${master.trim() || 'every master'}.`);
  }

  async clearCredentials(): Promise<void> {
    const master = await ask(this.ui, { title: 'Clear Mesos Credentials', prompt: 'For which master? "*" for the ones saved for every master.', value: readSessionSettings().master || '*' });
    if (master === undefined) return;
    await this.credentials.delete(master.trim() === '*' ? '' : master);
  }

  async refresh(arg?: unknown): Promise<void> {
    const name = asTarget(arg).session;
    if (name && this.manager.has(name)) await this.manager.refresh(name);
    else await this.manager.refreshAll();
  }

  /** The session named by the argument, the only one, or one the user picks. */
  private async pickSession(arg: unknown, title: string, fits: (s: SessionView) => boolean): Promise<string | undefined> {
    const named = asTarget(arg).session;
    if (named) {
      if (!this.manager.model.get(named)) throw new Error(`No session named "${named}" in this window.`);
      return named;
    }
    const candidates = this.manager.model.list().filter(fits);
    if (candidates.length === 0) throw new Error('No session fits. Start a session or attach to one first.');
    if (candidates.length === 1) return candidates[0].name;
    const picked = await choose(this.ui, candidates.map(s => ({ label: s.name, description: s.master ?? s.jobManager?.restUrl })), { title });
    return picked?.label;
  }

  private warnIfTlsOff(): void {
    if (!readConnectionSettings().tlsRejectUnauthorized) {
      this.log.warn('TLS certificate verification is OFF (flinkMesos.tls.verifyCertificates): credentials can be read by anyone on the network.');
      void vscode.window.showWarningMessage('TLS certificate verification is off (flinkMesos.tls.verifyCertificates). Your Mesos credentials are not protected against interception.', 'Open Setting')
        .then(c => { if (c) void vscode.commands.executeCommand('workbench.action.openSettings', 'flinkMesos.tls.verifyCertificates'); });
    }
  }
}

export function taskManagerCountError(v: string): string | undefined {
  const n = Number(v.trim());
  return v.trim() !== '' && Number.isInteger(n) && n >= 1 ? undefined : `"${v}" is not a number of TaskManagers. Type 1 or more.`;
}

export function jobManagerUrlError(v: string): string | undefined {
  const t = v.trim();
  if (!t) return 'Type the JobManager\'s REST address, such as http://host:8081.';
  try {
    const u = new URL(/^[a-z]+:\/\//i.test(t) ? t : `http://${t}`);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return `"${t}" is not an http(s) address. Type http://host:port.`;
    if (!u.hostname) return `"${t}" has no host. Type http://host:port.`;
    return undefined;
  } catch {
    return `"${t}" is not an address. Type http://host:port, such as http://10.0.0.5:8081.`;
  }
}

function mesosUiFromSetting(master: string): string | undefined {
  const first = master.split(',')[0]?.trim();
  if (!first || first.startsWith('zk://')) return undefined;
  return /^https?:\/\//.test(first) ? first : `http://${first}`;
}
