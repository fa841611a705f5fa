import * as path from 'node:path';
import * as vscode from 'vscode';
import { asTarget, registerHandlers, type CommandRegistrar } from '../commandArgs';
import { formatInterval, parseDuration, scheduleProblem } from '../core/session/periodicSavepoints';
import type { SavepointSchedule } from '../core/session/SavepointHistoryStore';
import { OutputChannelLogger } from '../logging/OutputChannelLogger';
import { readPeriodicSavepointDefaults } from '../settings/extensionSettings';
import { SessionManager } from '../session/SessionManager';
import { formatBytes } from '../tree/treeFormat';
import { PanelManager } from '../webviews/PanelManager';
import { SubmitJarWizard } from './SubmitJarWizard';
import { QuickInputUi, ask, choose } from '../wizard/multiStep';

/** Job commands: submit a jar, cancel, stop with a savepoint, show the plan and the result. */
export class JobCommands {
  private readonly wizard: SubmitJarWizard;

  constructor(context: vscode.ExtensionContext, private readonly manager: SessionManager, private readonly panels: PanelManager, private readonly log: OutputChannelLogger) {
    this.wizard = new SubmitJarWizard(context.workspaceState);
  }

  /** Where questions are asked; the extension-host tests put a driver here. */
  get ui(): QuickInputUi { return this.wizard.ui; }
  set ui(ui: QuickInputUi) { this.wizard.ui = ui; }

  /** Registers the handlers; the extension passes its own registrar, which routes the commands it registered at activation. */
  register(registerCommand: CommandRegistrar = vscode.commands.registerCommand): vscode.Disposable[] {
    return registerHandlers(registerCommand, this.log, this, [
      ['flinkMesos.jar.submit', this.submit],
      ['flinkMesos.jar.showPlan', this.showPlan],
      ['flinkMesos.job.cancel', this.cancel],
      ['flinkMesos.job.stopWithSavepoint', this.stopWithSavepoint],
      ['flinkMesos.job.showResult', this.showResult],
    ]) as vscode.Disposable[];
  }

  /** From the explorer or editor title (a Uri), the palette (asks for the jar) or a session node. Returns the job id. */
  async submit(arg?: unknown): Promise<string | undefined> {
    const jarPath = await this.jarPath(arg);
    if (!jarPath) return undefined;
    const session = await this.wizard.pickSession(this.manager.model.list(), asTarget(arg).session);
    if (!session) throw new Error('No running session to submit to. Start a session or attach to a JobManager first.');
    // Disposed periodic savepoints are gone: no restore choice.
    const history = (await this.manager.streaming?.savepoints(session.name).catch(() => []) ?? []).filter(s => s.disposedAt === undefined);
    const req = await this.wizard.run(jarPath, session, history);
    if (!req) return undefined;
    const jobId = await vscode.window.withProgress({
      location: vscode.ProgressLocation.Notification, title: `Submitting ${path.basename(jarPath)} to ${session.name}`, cancellable: true,
    }, async (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      let lastPct = 0;
      return this.manager.submit(session.name, req, (sent, total) => {
        const pct = total ? Math.floor((sent / total) * 100) : 100;
        progress.report({ message: `uploading ${formatBytes(sent)} of ${formatBytes(total)}`, increment: pct - lastPct });
        lastPct = pct;
        if (sent >= total) progress.report({ message: 'running' });
      }, abort.signal);
    });
    this.log.info(`Submitted ${jarPath} to ${session.name}: job ${jobId}.`);
    await this.applyPeriodicSavepointDefault(session.name, jobId);
    this.panels.show({ kind: 'jobResult', session: session.name, id: jobId });
    return jobId;
  }

  /** flinkMesos.periodicSavepoints.*: a job submitted here gets periodic savepoints when an interval is set. */
  private async applyPeriodicSavepointDefault(session: string, jobId: string): Promise<void> {
    const d = readPeriodicSavepointDefaults();
    if (!d.interval || !this.manager.streaming) return;
    const intervalMs = parseDuration(d.interval);
    const schedule: SavepointSchedule = { jobId, intervalMs: intervalMs ?? NaN, keep: d.keep > 0 ? d.keep : undefined, disposeOld: d.disposeOld && d.keep > 0, since: Date.now() };
    const problem = intervalMs === undefined ? `"${d.interval}" is not a duration such as 30s, 10m or 1h` : scheduleProblem(schedule);
    if (problem) {
      void vscode.window.showWarningMessage(`The setting flinkMesos.periodicSavepoints.interval: ${problem} Job ${jobId} runs without periodic savepoints; correct the setting or use Periodic Savepoints… on the job.`);
      return;
    }
    await this.manager.streaming.setSchedule(session, schedule).then(
      () => this.log.info(`${session}: periodic savepoints of job ${jobId} every ${formatInterval(schedule.intervalMs)} (flinkMesos.periodicSavepoints).`),
      (err: unknown) => this.log.warn(`${session}: the periodic savepoints of job ${jobId} were not set: ${(err as Error).message}`));
  }

  async showPlan(arg?: unknown): Promise<void> {
    const jarPath = await this.jarPath(arg);
    if (!jarPath) return;
    const session = await this.wizard.pickSession(this.manager.model.list(), asTarget(arg).session);
    if (!session) throw new Error('No running session. Start a session or attach to a JobManager first.');
    const req = await this.wizard.run(jarPath, session);
    if (!req) return;
    const plan = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Asking Flink for the plan…' }, () => this.manager.plan(session.name, req));
    const doc = await vscode.workspace.openTextDocument({ language: 'json', content: JSON.stringify(plan, null, 2) });
    await vscode.window.showTextDocument(doc, { preview: true });
  }

  async cancel(arg?: unknown): Promise<void> {
    const t = await this.pickJob(arg, 'Cancel which job?');
    if (!t) return;
    if (!asTarget(arg).jobId) {
      const ok = await vscode.window.showWarningMessage(`Cancel job ${t.jobId}?`, { modal: true }, 'Cancel Job');
      if (ok !== 'Cancel Job') return;
    }
    await this.manager.cancelJob(t.session, t.jobId);
    void vscode.window.showInformationMessage(`Cancelling job ${t.jobId}.`);
  }

  async stopWithSavepoint(arg?: unknown): Promise<string | undefined> {
    const t = await this.pickJob(arg, 'Stop which job with a savepoint?');
    if (!t) return undefined;
    // The folder and drain flag in the argument (keybindings, other extensions, tests) skip the questions.
    const given = arg as { targetDirectory?: unknown; drain?: unknown } | undefined;
    const dir = typeof given?.targetDirectory === 'string' ? given.targetDirectory
      : await ask(this.ui, { title: 'Stop with Savepoint', prompt: 'Savepoint folder (empty: the cluster\'s state.savepoints.dir)', placeholder: 'file:///savepoints' });
    if (dir === undefined) return undefined;
    const drain = typeof given?.drain === 'boolean' ? { drain: given.drain }
      : await choose(this.ui, [{ label: 'Stop', drain: false }, { label: 'Drain and stop', description: 'emit MAX_WATERMARK first', drain: true }], { title: 'Stop with Savepoint' });
    if (!drain) return undefined;
    const location = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Stopping ${t.jobId} with a savepoint…` },
      () => this.manager.stopJobWithSavepoint(t.session, t.jobId, dir.trim() || undefined, drain.drain));
    void vscode.window.showInformationMessage(`Job stopped. Savepoint: ${location}`);
    return location;
  }

  async showResult(arg?: unknown): Promise<void> {
    const t = await this.pickJob(arg, 'Show which job?', true);
    if (t) this.panels.show({ kind: 'jobResult', session: t.session, id: t.jobId });
  }

  private async pickJob(arg: unknown, title: string, any = false): Promise<{ session: string; jobId: string } | undefined> {
    const t = asTarget(arg);
    if (t.session && t.jobId) return { session: t.session, jobId: t.jobId };
    const jobs = this.manager.model.list().flatMap(s => s.jobs.filter(j => any || j.state === 'RUNNING').map(j => ({ label: j.name || j.id, description: `${j.state} · ${s.name}`, detail: j.id, session: s.name, jobId: j.id })));
    if (jobs.length === 0) throw new Error(any ? 'No job yet. Submit a jar first.' : 'No running job.');
    const picked = await choose(this.ui, jobs, { title, matchOnDetail: true });
    return picked ? { session: picked.session, jobId: picked.jobId } : undefined;
  }

  private async jarPath(arg: unknown): Promise<string | undefined> {
    if (arg instanceof vscode.Uri) return arg.fsPath;
    const active = vscode.window.activeTextEditor?.document.uri;
    const tabInput = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    const tabUri = tabInput && typeof tabInput === 'object' && 'uri' in tabInput && tabInput.uri instanceof vscode.Uri ? tabInput.uri : undefined;
    for (const u of [tabUri, active]) if (u?.scheme === 'file' && u.fsPath.endsWith('.jar')) return u.fsPath;
    const found = await vscode.workspace.findFiles('**/*.jar', '**/{node_modules,target/classes}/**', 200);
    if (found.length === 1 && !asTarget(arg).session) return found[0].fsPath;
    const items = found.map(u => ({ label: path.basename(u.fsPath), description: vscode.workspace.asRelativePath(u), uri: u }));
    items.push({ label: '$(folder-opened) Browse…', description: '', uri: undefined as unknown as vscode.Uri });
    const picked = await choose(this.ui, items, { title: 'Submit Jar: pick the jar' });
    if (!picked) return undefined;
    if (picked.uri) return picked.uri.fsPath;
    const chosen = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Jar files': ['jar'] } });
    return chosen?.[0]?.fsPath;
  }
}
