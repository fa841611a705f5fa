import * as vscode from 'vscode';
import type { PanelResource } from './protocol';

/** The panels' view types (package.json's onWebviewPanel activation events name them too). */
export const PANEL_VIEW_TYPES: Readonly<Record<PanelResource['kind'], string>> = {
  sessionResources: 'flinkMesos.sessionResources',
  taskManager: 'flinkMesos.taskManager',
  jobResult: 'flinkMesos.jobResult',
};

export type PanelRestorer = (kind: PanelResource['kind'], panel: vscode.WebviewPanel, state: unknown) => Promise<void> | void;

/** Registers the serializers that bring panels back after a reload; `restore` may load the panels' code on first use. */
export function registerPanelSerializers(restore: PanelRestorer): vscode.Disposable[] {
  return (Object.entries(PANEL_VIEW_TYPES) as [PanelResource['kind'], string][]).map(([kind, viewType]) =>
    vscode.window.registerWebviewPanelSerializer(viewType, { deserializeWebviewPanel: async (panel, state) => restore(kind, panel, state) }));
}
