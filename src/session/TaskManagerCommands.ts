import * as vscode from 'vscode';
import { asTarget, registerHandlers, type CommandRegistrar } from '../commandArgs';
import { LogDocumentProvider, logUri } from '../logs/LogDocumentProvider';
import { OutputChannelLogger } from '../logging/OutputChannelLogger';
import { LOG_KINDS, LogKind } from '../webviews/protocol';
import { PanelManager } from '../webviews/PanelManager';
import { SessionManager } from './SessionManager';

const LOG_LABELS: Record<LogKind, string> = {
  flinkLog: 'Flink log', flinkStdout: 'Flink stdout', sandboxStdout: 'Mesos sandbox stdout', sandboxStderr: 'Mesos sandbox stderr',
};

/** Show TaskManager and Show Logs. */
export class TaskManagerCommands {
  constructor(private readonly manager: SessionManager, private readonly panels: PanelManager, private readonly logs: LogDocumentProvider, private readonly log: OutputChannelLogger) {}

  /** Registers the handlers; the extension passes its own registrar, which routes the commands it registered at activation. */
  register(registerCommand: CommandRegistrar = vscode.commands.registerCommand): vscode.Disposable[] {
    return registerHandlers(registerCommand, this.log, this, [['flinkMesos.taskManager.show', this.show], ['flinkMesos.logs.show', this.showLogs]]) as vscode.Disposable[];
  }

  async show(arg?: unknown): Promise<void> {
    const t = asTarget(arg);
    let session = t.session;
    let id = t.taskManagerId;
    if (!session || !id) {
      const items = this.manager.model.list().flatMap(s => s.taskManagers.map(tm => ({
        label: tm.agentHost ?? tm.id, description: `${tm.lost ? 'lost' : tm.registered ? 'registered' : 'not registered'} · ${s.name}`, detail: tm.id, session: s.name, id: tm.id,
      })));
      if (items.length === 0) throw new Error('No TaskManager yet. Start a session first.');
      const picked = await vscode.window.showQuickPick(items, { title: 'Show TaskManager', matchOnDetail: true });
      if (!picked) return;
      session = picked.session;
      id = picked.id;
    }
    if (!this.manager.hasTaskManager(session, id)) throw new Error(`Session ${session} has no TaskManager ${id}.`);
    this.panels.show({ kind: 'taskManager', session, id });
  }

  /** Opens a read-only editor on a log that follows new lines while it is open. */
  async showLogs(arg?: unknown): Promise<vscode.TextEditor | undefined> {
    const t = asTarget(arg);
    let session = t.session;
    if (!session) {
      const names = this.manager.names();
      if (names.length === 0) throw new Error('No session. Start a session or attach to one first.');
      session = names.length === 1 ? names[0] : (await vscode.window.showQuickPick(names, { title: 'Show Logs: which session?' }));
      if (!session) return undefined;
    }
    const view = this.manager.model.get(session);
    if (!view) throw new Error(`No session named "${session}".`);
    let taskManagerId = t.taskManagerId;
    let log = LOG_KINDS.find(k => k === t.log);
    if (!log) {
      const mesos = !view.jobManagerOnly;
      const who = taskManagerId ? [] : [{ label: 'JobManager', id: undefined as string | undefined }, ...view.taskManagers.map(tm => ({ label: `TaskManager ${tm.agentHost ?? ''}`, description: tm.id, id: tm.id as string | undefined }))];
      if (who.length) {
        const p = await vscode.window.showQuickPick(who, { title: 'Show Logs: whose?' });
        if (!p) return undefined;
        taskManagerId = p.id;
      }
      const kinds: { label: string; log: LogKind }[] = LOG_KINDS.filter(k => mesos || !k.startsWith('sandbox')).map(k => ({ label: LOG_LABELS[k], log: k }));
      const k = await vscode.window.showQuickPick(kinds, { title: 'Show Logs: which log?' });
      if (!k) return undefined;
      log = k.log;
    }
    const uri = logUri({ session, taskManagerId, log });
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc, { preview: false });
    const end = new vscode.Position(doc.lineCount, 0);
    editor.revealRange(new vscode.Range(end, end));
    return editor;
  }
}
