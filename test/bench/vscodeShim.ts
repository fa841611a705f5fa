// The few `vscode` API classes the tree and session model use, as plain data holders, so that benchmark can run the
// real SessionManager + SessionModel + SessionTreeDataProvider in plain Node. No behaviour beyond what they need.
import { Module } from 'node:module';

type Listener<T> = (e: T) => unknown;

export class Disposable {
  constructor(private readonly fn: () => void = () => undefined) {}
  dispose(): void { this.fn(); }
}

export class EventEmitter<T> {
  private listeners: Listener<T>[] = [];
  readonly event = (listener: Listener<T>): Disposable => {
    this.listeners.push(listener);
    return new Disposable(() => { this.listeners = this.listeners.filter((l) => l !== listener); });
  };
  fire(e: T): void { for (const l of [...this.listeners]) l(e); }
  dispose(): void { this.listeners = []; }
}

export enum TreeItemCollapsibleState { None = 0, Collapsed = 1, Expanded = 2 }

export class ThemeColor { constructor(readonly id: string) {} }
export class ThemeIcon { constructor(readonly id: string, readonly color?: ThemeColor) {} }

export class MarkdownString {
  isTrusted = false;
  supportHtml = false;
  constructor(public value = '', readonly supportThemeIcons = false) {}
  appendMarkdown(text: string): this { this.value += text; return this; }
  appendText(text: string): this { this.value += text.replace(/[\\`*_{}[\]()#+\-.!<>|]/g, '\\$&'); return this; }
}

export class TreeItem {
  description?: string;
  iconPath?: ThemeIcon;
  contextValue?: string;
  tooltip?: string | MarkdownString;
  command?: unknown;
  id?: string;
  constructor(readonly label: string, readonly collapsibleState: TreeItemCollapsibleState = TreeItemCollapsibleState.None) {}
}

export const workspace = {
  getConfiguration: () => ({ get: <T>(_key: string, fallback: T): T => fallback }),
};

let installed = false;

/** Makes `require('vscode')` load this module. */
export function installVscodeShim(): void {
  if (installed) return;
  installed = true;
  const mod = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const original = mod._resolveFilename;
  mod._resolveFilename = function resolve(request: string, ...rest: unknown[]): string {
    if (request === 'vscode') return __filename;
    return original.call(this, request, ...rest);
  };
}
