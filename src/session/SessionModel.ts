import * as vscode from 'vscode';
import { SessionView } from './sessionViews';

/** The single source of truth for what the UI shows about sessions. Fires only when something really changed. */
export class SessionModel implements vscode.Disposable {
  private readonly sessions = new Map<string, SessionView>();
  private readonly changed = new vscode.EventEmitter<string>();
  private readonly removed = new vscode.EventEmitter<string>();
  /** The name of the session that changed. */
  readonly onDidChangeSession = this.changed.event;
  readonly onDidRemoveSession = this.removed.event;

  list(): SessionView[] {
    return [...this.sessions.values()];
  }

  get(name: string): SessionView | undefined {
    return this.sessions.get(name);
  }

  /** Replaces the session's view; returns false (and fires nothing) when it is equal to the current one. */
  set(view: SessionView): boolean {
    const old = this.sessions.get(view.name);
    if (old && sameJson(old, view)) return false;
    this.sessions.set(view.name, view);
    this.changed.fire(view.name);
    return true;
  }

  update(name: string, change: (view: SessionView) => SessionView): boolean {
    const old = this.sessions.get(name);
    if (!old) return false;
    return this.set(change(structuredClone(old)));
  }

  remove(name: string): void {
    if (this.sessions.delete(name)) this.removed.fire(name);
  }

  dispose(): void {
    this.changed.dispose();
    this.removed.dispose();
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
