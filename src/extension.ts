import * as vscode from 'vscode';

const COMMANDS = [
  'flinkMesos.session.start', 'flinkMesos.session.stop', 'flinkMesos.session.scale', 'flinkMesos.session.attach',
  'flinkMesos.jar.submit', 'flinkMesos.job.cancel', 'flinkMesos.job.stopWithSavepoint', 'flinkMesos.jar.showPlan',
  'flinkMesos.session.showResources', 'flinkMesos.taskManager.show', 'flinkMesos.job.showResult',
  'flinkMesos.session.openFlinkUi', 'flinkMesos.session.openMesosUi', 'flinkMesos.logs.show',
  'flinkMesos.credentials.set', 'flinkMesos.refresh',
];

export function activate(context: vscode.ExtensionContext): void {
  for (const id of COMMANDS) {
    context.subscriptions.push(vscode.commands.registerCommand(id, () => {
      void vscode.window.showInformationMessage(`${id}: not implemented yet`);
    }));
  }
}

export function deactivate(): void {
  // Nothing to release yet.
}
