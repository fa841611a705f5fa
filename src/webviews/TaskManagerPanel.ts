import * as vscode from 'vscode';
import { Logger } from '../core/log';
import { PanelDataSource } from './PanelDataSource';
import { PanelData, PanelResource, WebviewAction } from './protocol';
import { WebviewPanelBase } from './WebviewPanelBase';

/** One TaskManager: its Mesos task, Flink slots and memory, a live heap/non-heap chart, the tail of its log. */
export class TaskManagerPanel extends WebviewPanelBase {
  static readonly viewType = 'flinkMesos.taskManager';

  constructor(panel: vscode.WebviewPanel, resource: PanelResource, extensionUri: vscode.Uri, log: Logger, private readonly source: PanelDataSource) {
    super(panel, resource, extensionUri, log);
  }

  /** The next load reads Flink now, due or not (the panel's Refresh). */
  private fresh = false;

  protected async load(): Promise<PanelData | undefined> {
    const fresh = this.fresh;
    this.fresh = false;
    const data = await this.source.taskManager(this.resource.session, this.resource.id ?? '', fresh);
    return data ? { kind: 'taskManager', data } : undefined;
  }

  protected pollMs(): number {
    return this.source.pollingIntervalMs();
  }

  protected async act(request: WebviewAction): Promise<void> {
    const target = { session: this.resource.session, taskManagerId: this.resource.id };
    switch (request.action) {
      case 'refresh': this.fresh = true; await this.render(); return;
      case 'showLogs': await vscode.commands.executeCommand('flinkMesos.logs.show', { ...target, log: request.log }); return;
      case 'openSandbox': await vscode.commands.executeCommand('flinkMesos.logs.show', { ...target, log: 'sandboxStdout' }); return;
      case 'openMesosUi': await vscode.commands.executeCommand('flinkMesos.session.openMesosUi', { session: target.session }); return;
      case 'openFlinkUi': await vscode.commands.executeCommand('flinkMesos.session.openFlinkUi', { session: target.session }); return;
      default:
        throw new Error(`The TaskManager panel does not offer "${request.action}".`);
    }
  }
}
