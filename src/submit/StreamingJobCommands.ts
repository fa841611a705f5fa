import * as path from 'node:path';
import * as vscode from 'vscode';
import { asTarget, registerHandlers, type CommandRegistrar } from '../commandArgs';
import type { UpgradeMode } from '../core/flink/JobUpgrader';
import { UPGRADE_MODES, UpgradeError } from '../core/flink/JobUpgrader';
import { splitProgramArgs } from '../core/flink/programArgs';
import { formatInterval, parseDuration, scheduleProblem, sessionIsDriven } from '../core/session/periodicSavepoints';
import type { SavepointSchedule } from '../core/session/SavepointHistoryStore';
import { sharedSessionDir } from '../session/SharedSessionStore';
import { readPeriodicSavepointDefaults } from '../settings/extensionSettings';
import { logUri } from '../logs/LogDocumentProvider';
import { OutputChannelLogger } from '../logging/OutputChannelLogger';
import { SessionManager } from '../session/SessionManager';
import type { StreamingJobService } from '../session/StreamingJobService';
import { PanelManager } from '../webviews/PanelManager';
import { QuickInputUi, ask, choose, vscodeQuickInput } from '../wizard/multiStep';

/** Streaming job commands: Trigger Savepoint, Periodic Savepoints..., Upgrade Job..., and a TaskManager's log opened at an exception's time. */
export class StreamingJobCommands {
  ui: QuickInputUi = vscodeQuickInput;

  constructor(private readonly manager: SessionManager, private readonly panels: PanelManager, private readonly log: OutputChannelLogger) {}

  register(registerCommand: CommandRegistrar = vscode.commands.registerCommand): vscode.Disposable[] {
    return registerHandlers(registerCommand, this.log, this, [
      ['flinkMesos.job.savepoint', this.savepoint],
      ['flinkMesos.job.upgrade', this.upgrade],
      ['flinkMesos.job.periodicSavepoints', this.periodicSavepoints],
      ['flinkMesos.job.showTaskManagerLogAt', this.showTaskManagerLogAt],
    ]) as vscode.Disposable[];
  }

  private get streaming(): StreamingJobService {
    if (!this.manager.streaming) throw new Error('Savepoints and upgrades are not available in this window.');
    return this.manager.streaming;
  }

  /** Takes a savepoint without stopping the job; `targetDirectory` in the argument skips the question. Returns the path. */
  async savepoint(arg?: unknown): Promise<string | undefined> {
    const t = await this.pickRunningJob(arg, 'Trigger a savepoint of which job?');
    if (!t) return undefined;
    const given = arg as { targetDirectory?: unknown } | undefined;
    const dir = typeof given?.targetDirectory === 'string' ? given.targetDirectory
      : await ask(this.ui, { title: 'Trigger Savepoint', prompt: 'Savepoint folder (empty: the cluster\'s state.savepoints.dir); the job keeps running', placeholder: 'file:///savepoints' });
    if (dir === undefined) return undefined;
    const flink = this.manager.flinkOf(t.session);
    const location = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Savepoint of ${t.jobId}` },
      progress => this.streaming.triggerSavepoint(t.session, flink, t.jobId, dir.trim() || undefined, text => progress.report({ message: text })));
    void vscode.window.showInformationMessage(`Savepoint completed: ${location}`);
    return location;
  }

  /**
   * Sets or stops the periodic savepoints of a running job. The argument may carry interval ('10m'; '' stops them),
   * keep (0: all) and disposeOld (tests, keybindings); what is missing is asked. Returns the schedule set.
   */
  async periodicSavepoints(arg?: unknown): Promise<SavepointSchedule | undefined> {
    const t = await this.pickRunningJob(arg, 'Periodic savepoints of which job?');
    if (!t) return undefined;
    const given = (arg ?? {}) as { interval?: unknown; keep?: unknown; disposeOld?: unknown };
    const current = (await this.streaming.schedules(t.session).catch(() => [])).find(s => s.jobId === t.jobId);
    const defaults = readPeriodicSavepointDefaults();
    let interval = typeof given.interval === 'string' ? given.interval : undefined;
    if (interval === undefined) {
      interval = await ask(this.ui, {
        title: 'Periodic Savepoints', prompt: `Take a savepoint of job ${t.jobId} every… (30s, 10m, 1h; empty: no periodic savepoints)`,
        value: current ? formatInterval(current.intervalMs) : defaults.interval || '10m',
        validate: v => (v.trim() === '' ? undefined : parseDuration(v) === undefined ? 'A duration such as 30s, 10m or 1h' : scheduleProblem({ intervalMs: parseDuration(v)!, disposeOld: false })),
      });
      if (interval === undefined) return undefined;
    }
    if (interval.trim() === '') {
      const had = await this.streaming.clearSchedule(t.session, t.jobId);
      void vscode.window.showInformationMessage(had ? `Periodic savepoints of job ${t.jobId} stopped; the savepoints taken stay.` : `Job ${t.jobId} had no periodic savepoints.`);
      return undefined;
    }
    let keep = typeof given.keep === 'number' ? given.keep : undefined;
    if (keep === undefined) {
      const text = await ask(this.ui, {
        title: 'Periodic Savepoints: how many to keep', prompt: 'The newest N periodic savepoints count as kept; older ones are marked retired (empty: keep all)',
        value: current?.keep !== undefined ? String(current.keep) : defaults.keep > 0 ? String(defaults.keep) : '',
        validate: v => (v.trim() === '' || /^[1-9]\d*$/.test(v.trim()) ? undefined : 'A whole number of at least 1, or empty'),
      });
      if (text === undefined) return undefined;
      keep = text.trim() === '' ? 0 : Number(text.trim());
    }
    let disposeOld = typeof given.disposeOld === 'boolean' ? given.disposeOld : undefined;
    if (disposeOld === undefined) {
      if (keep > 0) {
        const keepOnDisk = { label: 'Keep retired ones on disk', description: 'nothing is deleted (default)', dispose: false };
        const dispose = { label: 'Dispose retired ones', description: 'the JobManager deletes savepoints beyond the kept ones', dispose: true };
        const picked = await choose(this.ui, (current?.disposeOld ?? defaults.disposeOld) ? [dispose, keepOnDisk] : [keepOnDisk, dispose], { title: 'Periodic Savepoints: older ones' });
        if (!picked) return undefined;
        disposeOld = picked.dispose;
      } else disposeOld = false;
    }
    const intervalMs = parseDuration(interval);
    const schedule: SavepointSchedule = { jobId: t.jobId, intervalMs: intervalMs ?? NaN, keep: keep > 0 ? keep : undefined, disposeOld, targetDirectory: current?.targetDirectory, since: Date.now() };
    const problem = intervalMs === undefined ? `"${interval}" is not a duration such as 30s, 10m or 1h.` : scheduleProblem(schedule);
    if (problem) throw new Error(problem);
    await this.streaming.setSchedule(t.session, schedule);
    const what = `every ${formatInterval(schedule.intervalMs)}${schedule.keep ? `, keeping ${schedule.keep}${disposeOld ? ' (older ones disposed)' : ' (older ones retired, not deleted)'}` : ''}`;
    if (await sessionIsDriven(sharedSessionDir(), t.session)) void vscode.window.showInformationMessage(`Periodic savepoints of job ${t.jobId}: ${what}.`);
    else void vscode.window.showWarningMessage(`Periodic savepoints of job ${t.jobId}: ${what}. No window or terminal drives session ${t.session} now, so none is taken until one does (start or reattach it here, or flink-mesos session attach).`);
    return schedule;
  }

  /**
   * Upgrades a running job in one step. The argument may carry jarPath, args (array), entryClass, mode and stableMs
   * (tests, keybindings); what is missing is asked.
   */
  async upgrade(arg?: unknown): Promise<string | undefined> {
    const t = await this.pickRunningJob(arg, 'Upgrade which job?');
    if (!t) return undefined;
    // An application's job is its cluster: the upgrade replaces the cluster (stop with a savepoint, the new jar from it).
    if (this.manager.model.get(t.session)?.application) return vscode.commands.executeCommand<string | undefined>('flinkMesos.application.upgrade', { ...(arg as object | undefined), session: t.session });
    const given = (arg ?? {}) as { jarPath?: unknown; args?: unknown; entryClass?: unknown; mode?: unknown; stableMs?: unknown };
    const known = await this.streaming.submission(t.session, t.jobId).catch(() => undefined);
    let jarPath = typeof given.jarPath === 'string' ? given.jarPath : undefined;
    if (!jarPath) {
      const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Jar files': ['jar'] }, title: 'Upgrade Job: the new jar', defaultUri: known ? vscode.Uri.file(path.dirname(known.jarPath)) : undefined });
      jarPath = picked?.[0]?.fsPath;
      if (!jarPath) return undefined;
    }
    let args: string[];
    if (Array.isArray(given.args) && given.args.every(a => typeof a === 'string')) args = given.args as string[];
    else {
      const text = await ask(this.ui, { title: 'Upgrade Job', prompt: 'Program arguments of the new job', value: known ? known.programArgs.join(' ') : '' });
      if (text === undefined) return undefined;
      args = splitProgramArgs(text);
    }
    let mode = UPGRADE_MODES.find(m => m === given.mode);
    if (!mode) {
      const picked = await choose(this.ui, [
        { label: 'savepoint', description: 'stop with a savepoint, start the new jar from it (default)', mode: 'savepoint' as UpgradeMode },
        { label: 'last-state', description: 'cancel and start from the latest retained checkpoint (needs retained checkpoints)', mode: 'last-state' as UpgradeMode },
        { label: 'stateless', description: 'cancel and start the new jar without state', mode: 'stateless' as UpgradeMode },
      ], { title: 'Upgrade Job: mode' });
      if (!picked) return undefined;
      mode = picked.mode;
    }
    // Stop-with-savepoint needs a folder unless the cluster has state.savepoints.dir: offer the job's last one.
    let savepointDirectory: string | undefined;
    if (mode === 'savepoint') {
      const last = (await this.streaming.savepoints(t.session).catch(() => [])).find(sp => sp.jobId === t.jobId) ?? (await this.streaming.savepoints(t.session).catch(() => []))[0];
      const dir = await ask(this.ui, { title: 'Upgrade Job: savepoint folder', prompt: 'Folder for the stop-with-savepoint (empty: the cluster\'s state.savepoints.dir)', value: last ? path.posix.dirname(last.path) : '' });
      if (dir === undefined) return undefined;
      savepointDirectory = dir.trim() || undefined;
    }
    if (!known) {
      const ok = await vscode.window.showWarningMessage(`It is not known which jar job ${t.jobId} was started from (it was not submitted from here), so a failed upgrade cannot be rolled back. Upgrade anyway?`, { modal: true }, 'Upgrade without Rollback');
      if (ok !== 'Upgrade without Rollback') return undefined;
    }
    const flink = this.manager.flinkOf(t.session);
    const submitter = this.manager.submitterOf(t.session);
    try {
      const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Upgrading ${t.jobId} (${mode})` },
        progress => this.streaming.upgrade(t.session, flink, submitter, {
          jobId: t.jobId, next: { jarPath: jarPath!, entryClass: typeof given.entryClass === 'string' ? given.entryClass : undefined, programArgs: args },
          mode: mode!, savepointDirectory, stableMs: typeof given.stableMs === 'number' ? given.stableMs : undefined, noRollback: !known, onProgress: s => progress.report({ message: s }),
        }));
      await this.manager.refresh(t.session).catch(() => undefined);
      this.panels.show({ kind: 'jobResult', session: t.session, id: result.runningJobId });
      if (result.outcome === 'upgraded') void vscode.window.showInformationMessage(`Upgraded: job ${result.runningJobId} runs ${path.basename(jarPath)}${result.statePath ? ` from ${result.statePath}` : ''}.`);
      else void vscode.window.showWarningMessage(`Rolled back: the new job failed (${result.reason}). The previous jar runs again as job ${result.runningJobId}${result.statePath ? ` from ${result.statePath}` : ''}.`);
      return result.runningJobId;
    } catch (err) {
      if (err instanceof UpgradeError && err.resumeCommand) {
        const copy = await vscode.window.showErrorMessage(err.message, 'Copy Resume Command');
        if (copy) await vscode.env.clipboard.writeText(err.resumeCommand);
        return undefined;
      }
      throw err;
    }
  }

  /** Opens a TaskManager's Flink log at the first line logged at or after `at` (ms). */
  async showTaskManagerLogAt(arg?: unknown): Promise<vscode.TextEditor | undefined> {
    const t = asTarget(arg);
    const at = (arg as { at?: unknown } | undefined)?.at;
    if (!t.session || !t.taskManagerId || typeof at !== 'number') throw new Error('Show TaskManager Log at a Time needs a session, a TaskManager and a time (it opens from an exception in the Job panel).');
    const doc = await vscode.workspace.openTextDocument(logUri({ session: t.session, taskManagerId: t.taskManagerId, log: 'flinkLog' }));
    const editor = await vscode.window.showTextDocument(doc, { preview: false });
    const line = lineAtTime(doc.getText().split('\n'), at);
    const pos = new vscode.Position(line, 0);
    editor.selection = new vscode.Selection(pos, pos);
    editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.AtTop);
    return editor;
  }

  private async pickRunningJob(arg: unknown, title: string): Promise<{ session: string; jobId: string } | undefined> {
    const t = asTarget(arg);
    if (t.session && t.jobId) return { session: t.session, jobId: t.jobId };
    const jobs = this.manager.model.list().flatMap(s => s.jobs.filter(j => j.state === 'RUNNING').map(j => ({ label: j.name || j.id, description: s.name, detail: j.id, session: s.name, jobId: j.id })));
    if (jobs.length === 0) throw new Error('No running job.');
    const picked = await choose(this.ui, jobs, { title, matchOnDetail: true });
    return picked ? { session: picked.session, jobId: picked.jobId } : undefined;
  }
}

/**
 * The first log line stamped at or after `at`. Flink's log4j lines start "yyyy-MM-dd HH:mm:ss,SSS" in the TaskManager's
 * local time, taken here as this machine's zone; the last line when every line is older.
 */
export function lineAtTime(lines: readonly string[], at: number): number {
  const d = new Date(at);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const stamp = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())},${p(d.getMilliseconds(), 3)}`;
  let last = 0;
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3})/.exec(lines[i]);
    if (!m) continue;
    last = i;
    if (m[1] >= stamp) return i;
  }
  return last;
}
