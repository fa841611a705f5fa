// The kept results of ended applications (the core's ApplicationResultStore, beside the saved sessions) for the tree:
// they outlive the window that followed the application, and stay until the user removes them.
import * as vscode from 'vscode';
import { FileApplicationResultStore, type ApplicationResult } from '../core/application/ApplicationResultStore';
import { sameValue } from './SessionModel';

export class ApplicationResultsModel implements vscode.Disposable {
  private results: ApplicationResult[] = [];
  private readonly store: FileApplicationResultStore;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(storeDir: string) {
    this.store = new FileApplicationResultStore(storeDir);
  }

  list(): readonly ApplicationResult[] { return this.results; }
  get(name: string): ApplicationResult | undefined { return this.results.find((r) => r.name === name); }

  /** Reads the results again (an application ended, a terminal wrote one); fires only when they changed. */
  async reload(): Promise<void> {
    const next = await this.store.list();
    if (sameValue(next, this.results)) return;
    this.results = next;
    this.changed.fire();
  }

  /** Deletes the kept result: the tree no longer shows it, `flink-mesos application status` neither. */
  async remove(name: string): Promise<void> {
    await this.store.delete(name);
    await this.reload();
  }

  dispose(): void {
    this.changed.dispose();
  }
}
