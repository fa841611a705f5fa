// How the session tree's items look: labels, icons and tooltips of sessions, TaskManagers and jobs (SessionTreeDataProvider
// decides which nodes there are and when they change).
import * as vscode from 'vscode';
import { maintenanceNote } from '../webviews/maintenanceRows';
import { TERMINAL_TASK_STATES, type TaskState } from '../core/mesos/types';
import { JobView, SessionView, TaskManagerView, registeredCount } from '../session/sessionViews';
import { LOST_JOB_STATE } from '../session/sessionViewMerge';
import type { ApplicationResult } from '../core/application/ApplicationResultStore';
import { formatDuration, formatMb } from './treeFormat';

const JOB_STATE_ORDER = ['RUNNING', 'CREATED', 'INITIALIZING', 'RESTARTING', 'FAILING', 'CANCELLING', 'FINISHED', 'FAILED', 'CANCELED', 'SUSPENDED', 'RECONCILING', LOST_JOB_STATE];

export function md(build: (m: vscode.MarkdownString) => void): vscode.MarkdownString {
  // Cluster strings go in with appendText, which escapes them; no HTML, no command links.
  const m = new vscode.MarkdownString('', false);
  m.isTrusted = false;
  m.supportHtml = false;
  build(m);
  return m;
}

export function line(m: vscode.MarkdownString, label: string, value: string | undefined): void {
  if (value === undefined || value === '') return;
  m.appendMarkdown(`${label}: `);
  m.appendText(value);
  m.appendMarkdown('  \n');
}

export function phaseLabel(s: SessionView): string {
  switch (s.phase) {
    case 'subscribing': return 'subscribing';
    case 'launchingJobManager': return 'launching JobManager';
    case 'jobManagerUp': return 'JobManager up';
    case 'recoveringJobManager': return 'JobManager recovering';
    case 'taskManagers': return `TaskManagers ${registeredCount(s)}/${s.taskManagersWanted}`;
    case 'running': return s.readOnly ? 'running (read-only)' : 'running';
    case 'stopping': return 'stopping';
    case 'stopped': return 'stopped';
    case 'failed': return 'failed';
    case 'disconnected': return s.readOnly ? 'master unreachable' : 'disconnected, retrying';
    case 'attached': return 'attached';
    case 'gone': return 'gone (the master no longer knows it)';
  }
}

export function phaseIcon(s: SessionView): vscode.ThemeIcon {
  switch (s.phase) {
    case 'running':
    case 'attached':
      return new vscode.ThemeIcon('vm-running', new vscode.ThemeColor(s.flinkReachable ? 'testing.iconPassed' : 'list.warningForeground'));
    case 'failed': return new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'));
    case 'stopped': return new vscode.ThemeIcon('vm-outline', new vscode.ThemeColor('disabledForeground'));
    case 'disconnected': return new vscode.ThemeIcon('debug-disconnect', new vscode.ThemeColor('list.warningForeground'));
    case 'gone': return new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('disabledForeground'));
    default: return new vscode.ThemeIcon('loading~spin', new vscode.ThemeColor('charts.yellow'));
  }
}

export function sessionTooltip(s: SessionView): vscode.MarkdownString {
  return md(m => {
    m.appendMarkdown(s.application ? '**Flink application** ' : '**Flink session** ');
    m.appendText(s.name);
    m.appendMarkdown('\n\n');
    line(m, 'State', phaseLabel(s));
    line(m, 'Detail', s.phaseDetail);
    line(m, 'Jar', s.application?.jar);
    line(m, 'Job', s.application?.jobId ? `${s.application.jobId} ${s.application.jobState ?? ''}` : undefined);
    line(m, 'Root cause', s.application?.rootCause);
    line(m, 'Savepoint', s.application?.savepoint);
    line(m, 'Master', s.master);
    line(m, 'Framework', s.frameworkId);
    line(m, 'Runs as user', s.user);
    line(m, 'Flink', s.flinkVersion);
    line(m, 'JobManager', s.jobManager?.restUrl);
    line(m, 'Slots', `${s.slotsFree} free of ${s.slotsTotal}`);
    line(m, 'Maintenance', s.maintenanceProblem);
  });
}

export function taskManagerDescription(t: TaskManagerView, now: number): string {
  if (t.lost) return `lost${t.mesosState ? ` (${t.mesosState})` : ''}${t.replacedBy ? ' · replaced' : ''}`;
  if (t.unreachable) return `unreachable (its agent is cut off)${t.replacedAfterGrace ? ' · replaced, killed if it comes back' : ' · waiting for the grace period'}`;
  const parts = [`${t.mesosState ?? 'no Mesos task'} · ${t.registered ? 'registered' : 'not registered'}`];
  if (t.maintenance) parts.push(maintenanceNote(t.maintenance));
  if (t.slotsTotal !== undefined) parts.push(`${t.slotsFree ?? 0}/${t.slotsTotal} slots free`);
  if (t.memoryMb) parts.push(formatMb(t.memoryMb));
  if (t.heartbeatAgoMs !== undefined) {
    // Rounded to 5 s so the node does not refresh on every poll for a change nobody reads.
    const ago = t.heartbeatAgoMs + Math.max(0, now - (t.observedAt ?? now));
    parts.push(`heartbeat ${formatDuration(Math.floor(ago / 5000) * 5000)} ago`);
  }
  return parts.join(' · ');
}

export function taskManagerIcon(t: TaskManagerView): vscode.ThemeIcon {
  if (t.lost) return new vscode.ThemeIcon('debug-disconnect', new vscode.ThemeColor('testing.iconFailed'));
  if (t.unreachable) return new vscode.ThemeIcon('debug-disconnect', new vscode.ThemeColor('charts.yellow'));
  if (t.maintenance) return new vscode.ThemeIcon('tools', new vscode.ThemeColor('charts.yellow'));
  if (t.registered) return new vscode.ThemeIcon('server', new vscode.ThemeColor('testing.iconPassed'));
  // Ended (killed, finished, failed): no spinner, it is not coming.
  if (t.mesosState && TERMINAL_TASK_STATES.has(t.mesosState as TaskState)) return new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('disabledForeground'));
  return new vscode.ThemeIcon('loading~spin', new vscode.ThemeColor('charts.yellow'));
}

/** " · checkpoint 4s ago" for a running job that checkpoints. */
export function checkpointAge(j: JobView, now: number): string {
  if (j.state !== 'RUNNING' || !j.checkpoint) return '';
  return j.checkpoint.lastCompletedAt ? ` · checkpoint ${formatDuration(Math.max(0, now - j.checkpoint.lastCompletedAt))} ago` : ' · no checkpoint yet';
}

export function jobIcon(state: string): vscode.ThemeIcon {
  switch (state) {
    case 'RUNNING': return new vscode.ThemeIcon('play-circle', new vscode.ThemeColor('charts.blue'));
    case 'FINISHED': return new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'));
    case 'FAILED':
    case 'FAILING': return new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'));
    case 'CANCELED':
    case 'CANCELLING': return new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('disabledForeground'));
    case LOST_JOB_STATE: return new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
    default: return new vscode.ThemeIcon('clock', new vscode.ThemeColor('charts.yellow'));
  }
}

export function jobStates(jobs: JobView[]): string[] {
  const present = new Set(jobs.map(j => j.state));
  const ordered = JOB_STATE_ORDER.filter(s => present.has(s));
  return [...ordered, ...[...present].filter(s => !JOB_STATE_ORDER.includes(s)).sort()];
}

export function jobDuration(j: JobView, now: number): number | undefined {
  if (j.durationMs !== undefined && j.durationMs >= 0 && j.endTime) return j.durationMs;
  if (j.startTime) return (j.endTime && j.endTime > 0 ? j.endTime : now) - j.startTime;
  return j.durationMs;
}

const collator = new Intl.Collator();

export function sortTaskManagers(tms: TaskManagerView[]): TaskManagerView[] {
  return [...tms].sort((a, b) => Number(a.lost) - Number(b.lost) || collator.compare(a.agentHost ?? '', b.agentHost ?? '') || collator.compare(a.id, b.id));
}

export function titleCase(state: string): string {
  return state.charAt(0) + state.slice(1).toLowerCase();
}

/** A kept application result: its outcome and job state; Remove Application Result deletes it. */
export function applicationResultItem(r: ApplicationResult): vscode.TreeItem {
  const item = new vscode.TreeItem(r.name, vscode.TreeItemCollapsibleState.None);
  item.description = [`application ${r.outcome}`, r.jobState ? `job ${r.jobState}` : undefined, new Date(r.endedAt).toLocaleString()].filter(Boolean).join(' · ');
  item.iconPath = r.outcome === 'failed' ? new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'))
    : new vscode.ThemeIcon(r.outcome === 'succeeded' ? 'pass' : 'debug-stop', new vscode.ThemeColor(r.outcome === 'succeeded' ? 'testing.iconPassed' : 'disabledForeground'));
  item.contextValue = 'applicationResult';
  return item;
}

export function applicationResultTooltip(r: ApplicationResult): vscode.MarkdownString {
  return md(m => {
    m.appendMarkdown('**Flink application** ');
    m.appendText(r.name);
    m.appendMarkdown('\n\n');
    line(m, 'Outcome', r.outcome);
    line(m, 'Detail', r.reason);
    line(m, 'Jar', r.jar);
    line(m, 'Entry class', r.entryClass);
    line(m, 'Job', r.jobId ? `${r.jobId} ${r.jobState ?? ''}` : r.jobState);
    line(m, 'Root cause', r.rootException ? (r.rootException.rootCause ?? r.rootException.message) : undefined);
    line(m, 'Savepoint', r.savepoint);
    line(m, 'Framework', r.frameworkId);
    line(m, 'Ended', new Date(r.endedAt).toLocaleString());
    if (r.leftTasks.length) line(m, 'Tasks left on the master', r.leftTasks.join(', '));
  });
}
