import * as path from 'node:path';
import * as vscode from 'vscode';
import { FileSessionStore } from '../core/session/SessionStore';

/**
 * The extension's SessionStore: one JSON file per session under the extension's global storage.
 * Files (not a Memento) because every window must see another window's owner lease at once;
 * the core's owner lease in each record is what keeps two windows from subscribing with the same framework id.
 */
export class GlobalStorageSessionStore extends FileSessionStore {
  constructor(globalStorageUri: vscode.Uri) {
    super(path.join(globalStorageUri.fsPath, 'sessions'));
  }
}
