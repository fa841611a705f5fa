import * as vscode from 'vscode';
import { Logger } from '../core/log';
import { PanelDataSource } from './PanelDataSource';
import { PanelData, PanelResource, WebviewAction } from './protocol';
import { WebviewPanelBase } from './WebviewPanelBase';

/** Per agent: tasks placed with cpus, memory and ports; totals against what was asked; offers declined while waiting. */
export class SessionResourcesPanel extends WebviewPanelBase {
  static readonly viewType = 'flinkMesos.sessionResources';

  constructor(panel: vscode.WebviewPanel, resource: PanelResource, extensionUri: vscode.Uri, log: Logger, private readonly source: PanelDataSource) {
    super(panel, resource, extensionUri, log);
  }

  protected async load(): Promise<PanelData | undefined> {
    const data = this.source.sessionResources(this.resource.session);
    return data ? { kind: 'sessionResources', data } : undefined;
  }

  protected pollMs(): number {
    return 0; // follows the model, which the SessionManager keeps fresh
  }

  protected async act(request: WebviewAction): Promise<void> {
    const session = this.resource.session;
    switch (request.action) {
      case 'refresh': await vscode.commands.executeCommand('flinkMesos.refresh', { session }); return;
      case 'openMesosUi': await vscode.commands.executeCommand('flinkMesos.session.openMesosUi', { session }); return;
      case 'openFlinkUi': await vscode.commands.executeCommand('flinkMesos.session.openFlinkUi', { session }); return;
      case 'showTaskManager':
        if (!this.source.hasTaskManager(session, request.taskManagerId)) throw new Error('Unknown TaskManager.');
        await vscode.commands.executeCommand('flinkMesos.taskManager.show', { session, taskManagerId: request.taskManagerId });
        return;
      default:
        throw new Error(`The Session Resources panel does not offer "${request.action}".`);
    }
  }
}
