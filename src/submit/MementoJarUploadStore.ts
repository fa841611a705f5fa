import * as vscode from 'vscode';
import { JarUploadStore } from '../core/flink/JarSubmitter';

const KEY = 'flinkMesos.uploadedJars';

/**
 * The JarSubmitter's dedupe cache in the extension's global state: which jar id a file (path, size, mtime, SHA-256)
 * got on which JobManager, so a reload does not upload the same jar again. Keys hold no secret; oldest entries go first.
 */
export class MementoJarUploadStore implements JarUploadStore {
  constructor(private readonly state: vscode.Memento, private readonly capacity = 200) {}

  get(key: string): string | undefined {
    return this.entries()[key];
  }

  async set(key: string, jarId: string): Promise<void> {
    const entries = this.entries();
    delete entries[key];
    entries[key] = jarId;
    const keys = Object.keys(entries);
    for (const old of keys.slice(0, Math.max(0, keys.length - this.capacity))) delete entries[old];
    await this.state.update(KEY, entries);
  }

  async delete(key: string): Promise<void> {
    const entries = this.entries();
    if (!(key in entries)) return;
    delete entries[key];
    await this.state.update(KEY, entries);
  }

  private entries(): Record<string, string> {
    const raw = this.state.get<Record<string, unknown>>(KEY) ?? {};
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') out[k] = v;
    return out;
  }
}
