import * as vscode from 'vscode';
import type { ApplicationResultsModel } from '../session/ApplicationResultsModel';
import { SessionModel } from '../session/SessionModel';
import { JobView, SessionView, TaskManagerView, liveTaskManagers, registeredCount } from '../session/sessionViews';
import { LOST_JOB_STATE } from '../session/sessionViewMerge';
import { formatDuration, formatMb } from './treeFormat';
import { maintenanceNote } from '../webviews/maintenanceRows';
import { applicationResultItem, applicationResultTooltip, md, line, phaseLabel, phaseIcon, sessionTooltip, taskManagerDescription, taskManagerIcon, checkpointAge, jobIcon, jobStates, jobDuration, sortTaskManagers, titleCase } from './sessionTreeItems';

export { phaseLabel } from './sessionTreeItems';

export type SessionTreeNode =
  | { kind: 'session'; key: string; session: string }
  | { kind: 'jobManager'; key: string; session: string }
  | { kind: 'taskManagers'; key: string; session: string }
  | { kind: 'slots'; key: string; session: string }
  | { kind: 'taskManager'; key: string; session: string; taskManagerId: string }
  | { kind: 'jobs'; key: string; session: string }
  | { kind: 'jobState'; key: string; session: string; state: string }
  | { kind: 'job'; key: string; session: string; jobId: string; state: string }
  | { kind: 'jars'; key: string; session: string }
  | { kind: 'jar'; key: string; session: string; jarId: string }
  /** The kept result of an application no session of this window shows (it ended before a reload, or in a terminal). */
  | { kind: 'applicationResult'; key: string; session: string };

/** Lookups by id over one SessionView (views are replaced, never mutated, so they are cached per view object). */
interface ViewIndex { taskManagers: Map<string, TaskManagerView>; jobs: Map<string, JobView>; sortedTaskManagers: TaskManagerView[] }

/**
 * Sessions -> JobManager, TaskManagers k/N, slots, jobs by state, uploaded jars. Refreshes only the nodes whose content changed.
 * Firing a node makes VS Code re-read its whole subtree, so figures that change on every poll (free slots, heartbeats) live in
 * leaves (the Slots row, each TaskManager), never in a node with many children; tooltips are built on hover (resolveTreeItem).
 */
export class SessionTreeDataProvider implements vscode.TreeDataProvider<SessionTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<SessionTreeNode | SessionTreeNode[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly nodes = new Map<string, SessionTreeNode>();
  /** What each node showed last time, to know which ones changed. */
  private readonly shown = new Map<string, string>();
  /** The child keys last handed out per parent key ('' for the root). */
  private readonly childrenOf = new Map<string, string[]>();
  private readonly indexes = new WeakMap<SessionView, ViewIndex>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private now: () => number = Date.now;

  constructor(private readonly model: SessionModel, private readonly results?: ApplicationResultsModel) {
    this.subscriptions.push(
      model.onDidChangeSession(name => this.sessionChanged(name)),
      model.onDidRemoveSession(name => this.sessionRemoved(name)),
    );
    if (results) this.subscriptions.push(results.onDidChange(() => this.changed.fire(undefined)));
  }

  /** Tests use a fixed clock so "time since heartbeat" does not make nodes look changed. */
  setClock(now: () => number): void { this.now = now; }

  refresh(): void {
    this.shown.clear();
    this.changed.fire(undefined);
  }

  getChildren(node?: SessionTreeNode): SessionTreeNode[] {
    const children = this.childrenNow(node);
    this.childrenOf.set(node?.key ?? '', children.map(c => c.key));
    return children;
  }

  private childrenNow(node?: SessionTreeNode): SessionTreeNode[] {
    if (!node) {
      const sessions = this.model.list();
      const kept = (this.results?.list() ?? []).filter(r => !this.model.get(r.name));
      return [...sessions.map(s => this.node({ kind: 'session', key: `s:${s.name}`, session: s.name })),
        ...kept.map(r => this.node({ kind: 'applicationResult', key: `r:${r.name}`, session: r.name }))];
    }
    const s = this.model.get(node.session);
    if (!s) return [];
    const base = `s:${s.name}`;
    switch (node.kind) {
      case 'session': {
        // An ended application is its result: its cluster is gone, so it has no JobManager, TaskManagers or jobs to show.
        if (s.application?.outcome) return [];
        const children: SessionTreeNode[] = [this.node({ kind: 'jobManager', key: `${base}/jm`, session: s.name })];
        if (!s.jobManagerOnly || s.taskManagers.length > 0) children.push(this.node({ kind: 'taskManagers', key: `${base}/tms`, session: s.name }));
        children.push(this.node({ kind: 'slots', key: `${base}/slots`, session: s.name }));
        children.push(this.node({ kind: 'jobs', key: `${base}/jobs`, session: s.name }));
        children.push(this.node({ kind: 'jars', key: `${base}/jars`, session: s.name }));
        return children;
      }
      case 'taskManagers':
        return this.index(s).sortedTaskManagers.map(t => this.node({ kind: 'taskManager', key: `${base}/tm:${t.id}`, session: s.name, taskManagerId: t.id }));
      case 'jobs':
        return jobStates(s.jobs).map(state => this.node({ kind: 'jobState', key: `${base}/jobs:${state}`, session: s.name, state }));
      case 'jobState':
        return s.jobs.filter(j => j.state === node.state)
          .sort((a, b) => (b.startTime ?? 0) - (a.startTime ?? 0))
          .map(j => this.node({ kind: 'job', key: `${base}/job:${j.id}`, session: s.name, jobId: j.id, state: j.state }));
      case 'jars':
        return s.jars.map(j => this.node({ kind: 'jar', key: `${base}/jar:${j.id}`, session: s.name, jarId: j.id }));
      default:
        return [];
    }
  }

  getParent(node: SessionTreeNode): SessionTreeNode | undefined {
    const base = `s:${node.session}`;
    switch (node.kind) {
      case 'session': case 'applicationResult': return undefined;
      case 'taskManager': return this.nodes.get(`${base}/tms`);
      case 'job': return this.nodes.get(`${base}/jobs:${node.state}`) ?? this.nodes.get(`${base}/jobs`);
      case 'jobState': return this.nodes.get(`${base}/jobs`);
      case 'jar': return this.nodes.get(`${base}/jars`);
      default: return this.nodes.get(base);
    }
  }

  getTreeItem(node: SessionTreeNode): vscode.TreeItem {
    if (node.kind === 'applicationResult') {
      const r = this.results?.get(node.session);
      const kept = r ? applicationResultItem(r) : new vscode.TreeItem(node.session);
      kept.id = node.key;
      return kept;
    }
    const s = this.model.get(node.session);
    const item = s ? this.render(node, s) : new vscode.TreeItem(node.session);
    item.id = node.key;
    this.shown.set(node.key, signature(item));
    return item;
  }

  /** Tooltips are built when VS Code shows one (hover), not for every node on every refresh. */
  resolveTreeItem(item: vscode.TreeItem, node: SessionTreeNode): vscode.TreeItem {
    if (node.kind === 'applicationResult') {
      const r = this.results?.get(node.session);
      if (r) item.tooltip = applicationResultTooltip(r);
      return item;
    }
    const s = this.model.get(node.session);
    if (s) item.tooltip = this.tooltip(node, s);
    return item;
  }

  private index(s: SessionView): ViewIndex {
    let ix = this.indexes.get(s);
    if (!ix) {
      ix = { taskManagers: new Map(s.taskManagers.map(t => [t.id, t])), jobs: new Map(s.jobs.map(j => [j.id, j])), sortedTaskManagers: sortTaskManagers(s.taskManagers) };
      this.indexes.set(s, ix);
    }
    return ix;
  }

  private tooltip(node: SessionTreeNode, s: SessionView): vscode.MarkdownString | undefined {
    switch (node.kind) {
      case 'session': return sessionTooltip(s);
      case 'jobManager': {
        const jm = s.jobManager;
        return md(m => {
          m.appendMarkdown('**JobManager**\n\n');
          line(m, 'REST', jm?.restUrl);
          line(m, 'Mesos task', jm?.mesosState);
          line(m, 'Flink', s.flinkReachable ? 'reachable' : 'unreachable');
        });
      }
      case 'taskManager': {
        const t = this.index(s).taskManagers.get(node.taskManagerId);
        if (!t) return undefined;
        return md(m => {
          m.appendMarkdown('**TaskManager** ');
          m.appendText(t.id);
          m.appendMarkdown('\n\n');
          line(m, 'Agent', t.agentHost);
          line(m, 'Mesos task', t.mesosState);
          line(m, 'Flink', t.registered ? 'registered' : 'not registered');
          line(m, 'Slots', t.slotsTotal !== undefined ? `${t.slotsFree ?? '?'} free of ${t.slotsTotal}` : undefined);
          line(m, 'Memory', formatMb(t.memoryMb) || undefined);
          line(m, 'Replaced by', t.replacedBy);
          line(m, 'Maintenance', t.maintenance ? maintenanceNote(t.maintenance) : undefined);
          line(m, 'Window ends', t.maintenance?.until !== undefined ? new Date(t.maintenance.until).toISOString() : undefined);
        });
      }
      case 'job': {
        const j = this.index(s).jobs.get(node.jobId);
        if (!j) return undefined;
        return md(m => {
          m.appendMarkdown('**Job** ');
          m.appendText(j.name);
          m.appendMarkdown('\n\n');
          line(m, 'Id', j.id);
          line(m, 'State', j.state);
          line(m, 'Started', j.startTime ? new Date(j.startTime).toLocaleString() : undefined);
          line(m, 'Duration', formatDuration(jobDuration(j, this.now())) || undefined);
          if (j.checkpoint) line(m, 'Last checkpoint', j.checkpoint.lastCompletedAt ? `${formatDuration(this.now() - j.checkpoint.lastCompletedAt)} ago` : 'none completed yet');
          if (j.checkpoint?.warning) line(m, '⚠ Checkpoints', j.checkpoint.warning);
        });
      }
      case 'jar': {
        const j = s.jars.find(x => x.id === node.jarId);
        return md(m => {
          m.appendMarkdown('**Jar** ');
          m.appendText(j?.name ?? node.jarId);
          m.appendMarkdown('\n\n');
          line(m, 'Id', node.jarId);
          line(m, 'Entry classes', j?.entryClasses.join(', ') || undefined);
        });
      }
      default: return undefined;
    }
  }

  /** Finds the node of a TaskManager or job, e.g. to reveal it. */
  findNode(key: string): SessionTreeNode | undefined {
    return this.nodes.get(key);
  }

  private render(node: SessionTreeNode, s: SessionView): vscode.TreeItem {
    const C = vscode.TreeItemCollapsibleState;
    switch (node.kind) {
      case 'session': {
        const item = new vscode.TreeItem(s.name, s.application?.outcome ? C.None : C.Expanded);
        const parts = [phaseLabel(s)];
        // An application shows its job's state (or its outcome once it ended) beside the cluster's phase.
        if (s.application) parts.unshift(`application${s.application.outcome ? ` ${s.application.outcome}` : ''}${s.application.jobState ? ` · job ${s.application.jobState}` : ''}`);
        if (s.master) parts.push(s.master);
        if (s.flinkVersion) parts.push(`Flink ${s.flinkVersion}`);
        item.description = parts.join(' · ');
        item.iconPath = phaseIcon(s);
        item.contextValue = `session.${s.phase}${s.jobManagerOnly ? '.jobManagerOnly' : ''}${s.readOnly ? '.readOnly' : ''}${s.application ? '.application' : ''}`;
        return item;
      }
      case 'jobManager': {
        const jm = s.jobManager;
        const item = new vscode.TreeItem('JobManager', C.None);
        const ended = s.phase === 'failed' || s.phase === 'stopped';
        item.description = ended ? 'gone with the session' : jm ? `${jm.host}:${jm.port}${s.flinkReachable ? '' : ' · unreachable'}` : 'waiting for an offer';
        item.iconPath = new vscode.ThemeIcon('server-process', s.flinkReachable ? new vscode.ThemeColor('testing.iconPassed') : new vscode.ThemeColor('disabledForeground'));
        item.contextValue = jm ? 'jobManager' : 'jobManager.pending';
        return item;
      }
      case 'taskManagers': {
        const wanted = s.taskManagersWanted === 'greedy' ? 'greedy' : String(s.taskManagersWanted);
        const item = new vscode.TreeItem('TaskManagers', C.Expanded);
        item.description = `${registeredCount(s)}/${s.jobManagerOnly ? liveTaskManagers(s).length : wanted}`;
        item.iconPath = new vscode.ThemeIcon('server-environment');
        item.contextValue = 'taskManagers';
        return item;
      }
      case 'slots': {
        const item = new vscode.TreeItem('Slots', C.None);
        item.description = s.slotsTotal > 0 ? `${s.slotsFree}/${s.slotsTotal} free` : 'none yet';
        item.iconPath = new vscode.ThemeIcon('layers');
        item.contextValue = 'slots';
        return item;
      }
      case 'taskManager': {
        const t = this.index(s).taskManagers.get(node.taskManagerId);
        if (!t) return new vscode.TreeItem(node.taskManagerId);
        const item = new vscode.TreeItem(t.agentHost ?? t.id, C.None);
        item.description = taskManagerDescription(t, this.now());
        item.iconPath = taskManagerIcon(t);
        item.contextValue = t.lost ? 'taskManager.lost' : t.hasSandbox ? 'taskManager.mesos' : 'taskManager';
        item.command = { command: 'flinkMesos.taskManager.show', title: 'Show TaskManager', arguments: [{ session: s.name, taskManagerId: t.id }] };
        return item;
      }
      case 'jobs': {
        const item = new vscode.TreeItem('Jobs', s.jobs.length ? C.Expanded : C.None);
        item.description = s.jobs.length ? `${s.jobs.filter(j => j.state === 'RUNNING').length} running · ${s.jobs.length} total` : 'none yet';
        item.iconPath = new vscode.ThemeIcon('symbol-event');
        item.contextValue = 'jobs';
        return item;
      }
      case 'jobState': {
        const n = s.jobs.filter(j => j.state === node.state).length;
        const item = new vscode.TreeItem(titleCase(node.state), node.state === 'RUNNING' ? C.Expanded : C.Collapsed);
        item.description = node.state === LOST_JOB_STATE ? `${n} · not running: the session ended` : String(n);
        item.iconPath = jobIcon(node.state);
        item.contextValue = 'jobState';
        return item;
      }
      case 'job': {
        const j = this.index(s).jobs.get(node.jobId);
        if (!j) return new vscode.TreeItem(node.jobId);
        const item = new vscode.TreeItem(j.name || j.id, C.None);
        item.description = `${j.state.toLowerCase()} · ${formatDuration(jobDuration(j, this.now()))}${checkpointAge(j, this.now())}`;
        item.iconPath = j.checkpoint?.warning ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')) : jobIcon(j.state);
        item.contextValue = `job.${j.state}`;
        item.command = { command: 'flinkMesos.job.showResult', title: 'Show Job Result', arguments: [{ session: s.name, jobId: j.id }] };
        return item;
      }
      case 'jars': {
        const item = new vscode.TreeItem('Uploaded Jars', s.jars.length ? C.Collapsed : C.None);
        item.description = String(s.jars.length);
        item.iconPath = new vscode.ThemeIcon('package');
        item.contextValue = 'jars';
        return item;
      }
      case 'jar': {
        const j = s.jars.find(x => x.id === node.jarId);
        const item = new vscode.TreeItem(j?.name ?? node.jarId, C.None);
        item.description = j?.uploaded ? new Date(j.uploaded).toLocaleTimeString() : undefined;
        item.iconPath = new vscode.ThemeIcon('file-zip');
        item.contextValue = 'jar';
        return item;
      }
      case 'applicationResult': return new vscode.TreeItem(s.name, C.None);
    }
  }

  private node<T extends SessionTreeNode>(n: T): T {
    const existing = this.nodes.get(n.key);
    if (existing && sameNode(existing, n)) return existing as T;
    this.nodes.set(n.key, n);
    return n;
  }

  private sessionChanged(name: string): void {
    const sessionNode = this.nodes.get(`s:${name}`);
    if (!sessionNode) { this.changed.fire(undefined); return; }
    const s = this.model.get(name);
    // Compare what each shown node would show now with what it showed; a changed list of children refreshes the parent.
    const changed: SessionTreeNode[] = [];
    const visit = (node: SessionTreeNode): void => {
      const before = this.shown.get(node.key);
      if (before === undefined) return;
      const now = s ? signature(this.render(node, s)) : '';
      if (LEAF_KINDS.has(node.kind)) {
        if (before !== now) changed.push(node);
        return;
      }
      const childrenBefore = this.childrenOf.get(node.key);
      const children = this.getChildren(node);
      if (before !== now || (childrenBefore !== undefined && !sameKeys(childrenBefore, children))) {
        changed.push(node);
        if (childrenBefore) this.forgetRemoved(childrenBefore, children);
        return; // the refresh of this node re-reads its whole subtree
      }
      if (childrenBefore !== undefined) children.forEach(visit);
    };
    visit(sessionNode);
    if (changed.length) this.changed.fire(changed);
  }

  /** Drops the nodes (and their subtrees) that are no longer children. */
  private forgetRemoved(before: string[], now: SessionTreeNode[]): void {
    const kept = new Set(now.map(c => c.key));
    const stack = before.filter(k => !kept.has(k));
    while (stack.length) {
      const k = stack.pop() as string;
      this.nodes.delete(k);
      this.shown.delete(k);
      const below = this.childrenOf.get(k);
      if (below) { stack.push(...below); this.childrenOf.delete(k); }
    }
  }

  private sessionRemoved(name: string): void {
    for (const k of [...this.nodes.keys()]) if (k === `s:${name}` || k.startsWith(`s:${name}/`)) { this.nodes.delete(k); this.shown.delete(k); this.childrenOf.delete(k); }
    this.changed.fire(undefined);
  }

  dispose(): void {
    this.subscriptions.forEach(d => d.dispose());
    this.changed.dispose();
  }
}

const LEAF_KINDS: ReadonlySet<SessionTreeNode['kind']> = new Set(['jobManager', 'slots', 'taskManager', 'job', 'jar']);

/** What a node shows, tooltips aside (they are resolved on hover). */
function signature(item: vscode.TreeItem): string {
  const icon = item.iconPath instanceof vscode.ThemeIcon ? `${item.iconPath.id}:${item.iconPath.color?.id ?? ''}` : '';
  return `${String(item.label)}\u0000${String(item.description ?? '')}\u0000${icon}\u0000${item.contextValue ?? ''}\u0000${item.collapsibleState ?? ''}`;
}

function sameNode(a: SessionTreeNode, b: SessionTreeNode): boolean {
  if (a.kind !== b.kind || a.session !== b.session) return false;
  // The key names the node; only a job's state (its group) can change under the same key.
  return a.kind !== 'job' || a.state === (b as typeof a).state;
}

function sameKeys(before: string[], now: SessionTreeNode[]): boolean {
  if (before.length !== now.length) return false;
  for (let i = 0; i < now.length; i++) if (before[i] !== now[i].key) return false;
  return true;
}
