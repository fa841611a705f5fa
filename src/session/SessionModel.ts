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
    if (old && sameValue(old, view)) return false;
    this.sessions.set(view.name, view);
    this.changed.fire(view.name);
    return true;
  }

  /**
   * `change` gets a shallow copy: set or replace its fields (arrays, objects), never mutate the nested values in place,
   * they are shared with the current view. Views are compared field by field, so an unchanged poll costs one walk.
   */
  update(name: string, change: (view: SessionView) => SessionView): boolean {
    const old = this.sessions.get(name);
    if (!old) return false;
    return this.set(change({ ...old }));
  }

  remove(name: string): void {
    if (this.sessions.delete(name)) this.removed.fire(name);
  }

  dispose(): void {
    this.changed.dispose();
    this.removed.dispose();
  }
}

/** Deep equality of JSON-like data, stopping at the first difference; an undefined field equals a missing one (as in JSON). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return Number.isNaN(a) && Number.isNaN(b);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  for (const k in x) if (!sameValue(x[k], y[k])) return false;
  for (const k in y) if (!(k in x) && y[k] !== undefined) return false;
  return true;
}
