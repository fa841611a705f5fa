import * as vscode from 'vscode';
import { LOG_KINDS, LogKind } from '../webviews/protocol';
import { LogTarget, SessionManager } from '../session/SessionManager';

export const LOG_SCHEME = 'flink-mesos-log';

const LOG_TITLES: Record<LogKind, string> = {
  flinkLog: 'flink.log', flinkStdout: 'flink.stdout', sandboxStdout: 'sandbox.stdout', sandboxStderr: 'sandbox.stderr',
};

/** flink-mesos-log:/SESSION/jobmanager/flink.log or /SESSION/taskmanager/ID/sandbox.stderr */
export function logUri(target: LogTarget): vscode.Uri {
  const who = target.taskManagerId ? `taskmanager/${encodeURIComponent(target.taskManagerId)}` : 'jobmanager';
  return vscode.Uri.from({ scheme: LOG_SCHEME, path: `/${encodeURIComponent(target.session)}/${who}/${LOG_TITLES[target.log]}` });
}

export function parseLogUri(uri: vscode.Uri): LogTarget | undefined {
  if (uri.scheme !== LOG_SCHEME) return undefined;
  const parts = uri.path.split('/').slice(1);
  const log = LOG_KINDS.find(k => LOG_TITLES[k] === parts[parts.length - 1]);
  if (!log) return undefined;
  try {
    if (parts.length === 3 && parts[1] === 'jobmanager') return { session: decodeURIComponent(parts[0]), log };
    if (parts.length === 4 && parts[1] === 'taskmanager') return { session: decodeURIComponent(parts[0]), taskManagerId: decodeURIComponent(parts[2]), log };
  } catch {
    return undefined;
  }
  return undefined;
}

/** Read-only documents of Flink and Mesos logs that follow new lines while they are open. */
export class LogDocumentProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly open = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly manager: SessionManager) {
    this.subscriptions.push(
      vscode.workspace.onDidCloseTextDocument(doc => { this.open.delete(doc.uri.toString()); this.updateTimer(); }),
      vscode.workspace.onDidOpenTextDocument(doc => { if (doc.uri.scheme === LOG_SCHEME) { this.open.add(doc.uri.toString()); this.updateTimer(); } }),
    );
    for (const doc of vscode.workspace.textDocuments) if (doc.uri.scheme === LOG_SCHEME) this.open.add(doc.uri.toString());
    this.updateTimer();
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const target = parseLogUri(uri);
    if (!target) return 'Not a Flink on Mesos log address.';
    this.open.add(uri.toString());
    this.updateTimer();
    try {
      return await this.manager.readLog(target);
    } catch (err) {
      return `Could not read this log: ${err instanceof Error ? err.message : String(err)}\n`;
    }
  }

  /** Re-reads every open log document now. */
  refreshAll(): void {
    for (const u of this.open) this.changed.fire(vscode.Uri.parse(u));
  }

  private updateTimer(): void {
    if (this.open.size > 0 && !this.timer) {
      this.timer = setInterval(() => this.refreshAll(), this.manager.pollingIntervalMs());
    } else if (this.open.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  restartTimer(): void {
    if (this.timer) { clearInterval(this.timer); this.timer = undefined; }
    this.updateTimer();
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.subscriptions.forEach(d => d.dispose());
    this.changed.dispose();
  }
}
