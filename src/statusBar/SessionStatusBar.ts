import * as vscode from 'vscode';
import { SessionModel } from '../session/SessionModel';
import { SessionView, registeredCount } from '../session/sessionViews';
import { phaseLabel } from '../tree/SessionTreeDataProvider';

/** The session's state, TaskManagers and slots; clicking opens Session Resources. */
export class SessionStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly model: SessionModel) {
    this.item = vscode.window.createStatusBarItem('flinkMesos.session', vscode.StatusBarAlignment.Left, 50);
    this.item.name = 'Flink on Mesos Session';
    this.subscriptions.push(model.onDidChangeSession(() => this.update()), model.onDidRemoveSession(() => this.update()));
    this.update();
  }

  /** The text shown, for tests. */
  get text(): string { return this.item.text; }

  private update(): void {
    const sessions = this.model.list();
    const s = sessions.find(x => x.phase !== 'stopped' && x.phase !== 'failed' && x.phase !== 'gone') ?? sessions[0];
    if (!s) { this.item.hide(); return; }
    this.item.text = statusText(s) + (sessions.length > 1 ? ` (+${sessions.length - 1})` : '');
    const tip = new vscode.MarkdownString('', false);
    tip.appendMarkdown('**Flink on Mesos** ');
    tip.appendText(`${s.name}: ${phaseLabel(s)}`);
    if (s.phaseDetail) { tip.appendMarkdown('\n\n'); tip.appendText(s.phaseDetail); }
    tip.appendMarkdown('\n\nClick to show the session\'s resources.');
    this.item.tooltip = tip;
    this.item.command = s.jobManagerOnly
      ? { command: 'flinkMesos.session.openFlinkUi', title: 'Open Flink Web UI', arguments: [{ session: s.name }] }
      : { command: 'flinkMesos.session.showResources', title: 'Show Session Resources', arguments: [{ session: s.name }] };
    this.item.backgroundColor = s.phase === 'failed' ? new vscode.ThemeColor('statusBarItem.errorBackground')
      : s.phase === 'disconnected' || (!s.flinkReachable && s.phase === 'running') ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.show();
  }

  dispose(): void {
    this.subscriptions.forEach(d => d.dispose());
    this.item.dispose();
  }
}

export function statusText(s: SessionView): string {
  const icon = s.phase === 'running' || s.phase === 'attached' ? '$(vm-running)' : s.phase === 'failed' ? '$(error)'
    : s.phase === 'stopped' ? '$(vm-outline)' : s.phase === 'disconnected' ? '$(debug-disconnect)' : '$(loading~spin)';
  const wanted = s.jobManagerOnly ? String(s.taskManagers.length) : s.taskManagersWanted === 'greedy' ? 'greedy' : String(s.taskManagersWanted);
  return `${icon} ${s.name}: ${phaseLabel(s)} · TM ${registeredCount(s)}/${wanted} · slots ${s.slotsFree}/${s.slotsTotal}`;
}
