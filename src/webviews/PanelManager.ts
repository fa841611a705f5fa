import * as vscode from 'vscode';
import { Logger } from '../core/log';
import { JobResultPanel } from './JobResultPanel';
import { PanelDataSource } from './PanelDataSource';
import { PanelResource, panelKey, parsePanelResource } from './protocol';
import { SessionResourcesPanel } from './SessionResourcesPanel';
import { TaskManagerPanel } from './TaskManagerPanel';
import { WebviewPanelBase, webviewOptions } from './WebviewPanelBase';
import { PANEL_VIEW_TYPES, registerPanelSerializers } from './panelViewTypes';

const VIEW_TYPES = PANEL_VIEW_TYPES;

/** One panel per resource: showing it again brings it to the front. Restores panels after a reload. */
export class PanelManager implements vscode.Disposable {
  private readonly panels = new Map<string, WebviewPanelBase>();
  private readonly disposables: vscode.Disposable[] = [];

  /**
   * @param registerSerializers false when the extension registered the panel serializers itself at activation
   *   (it then hands restored panels to restore())
   */
  constructor(private readonly extensionUri: vscode.Uri, private readonly log: Logger, private readonly source: PanelDataSource, registerSerializers = true) {
    this.disposables.push(source.onDidChangeSession(name => {
      for (const p of this.panels.values()) if (p.resource.session === name) p.scheduleRender();
    }));
    if (registerSerializers) this.disposables.push(...registerPanelSerializers((kind, panel, state) => this.restore(kind, panel, state)));
  }

  /** Takes over a panel VS Code restored after a reload (its state is the panel's resource). */
  restore(kind: PanelResource['kind'], panel: vscode.WebviewPanel, state: unknown): void {
    const resource = parsePanelResource(state);
    if (!resource || resource.kind !== kind) { panel.dispose(); return; }
    this.adopt(panel, resource);
  }

  show(resource: PanelResource): WebviewPanelBase {
    const existing = this.panels.get(panelKey(resource));
    if (existing) {
      existing.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(VIEW_TYPES[resource.kind], title(resource), vscode.ViewColumn.Active, webviewOptions(this.extensionUri));
    return this.adopt(panel, resource);
  }

  get(resource: PanelResource): WebviewPanelBase | undefined {
    return this.panels.get(panelKey(resource));
  }

  all(): WebviewPanelBase[] {
    return [...this.panels.values()];
  }

  pollingIntervalChanged(): void {
    for (const p of this.panels.values()) p.restartPolling();
  }

  private adopt(panel: vscode.WebviewPanel, resource: PanelResource): WebviewPanelBase {
    panel.title = title(resource);
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'flink-mesos.svg');
    const p = resource.kind === 'sessionResources' ? new SessionResourcesPanel(panel, resource, this.extensionUri, this.log, this.source)
      : resource.kind === 'taskManager' ? new TaskManagerPanel(panel, resource, this.extensionUri, this.log, this.source)
        : new JobResultPanel(panel, resource, this.extensionUri, this.log, this.source);
    const key = panelKey(resource);
    this.panels.set(key, p);
    p.onDidDispose(() => { if (this.panels.get(key) === p) this.panels.delete(key); });
    p.start();
    return p;
  }

  dispose(): void {
    this.disposables.forEach(d => d.dispose());
    // Panels stay open across a reload (their serializer restores them); only our objects go.
    for (const p of [...this.panels.values()]) p.stop();
    this.panels.clear();
  }
}

function title(r: PanelResource): string {
  switch (r.kind) {
    case 'sessionResources': return `Resources: ${r.session}`;
    case 'taskManager': return `TaskManager ${shorten(r.id ?? '')}`;
    case 'jobResult': return `Job ${shorten(r.id ?? '')}`;
  }
}

function shorten(id: string): string {
  return id.length > 24 ? `${id.slice(0, 10)}…${id.slice(-10)}` : id;
}
