// Shared by the extension-host suites (this file is not a suite: the runner loads only *.suite.js).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { FlinkMesosApi } from '../../src/extension';

/** Polls `probe` every 200 ms until it gives a value (not undefined or false); fails naming `what` and the last error. */
export async function waitUntil<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      last = err;
    }
    await new Promise(r => setTimeout(r, 200));
  }
  throw new Error(`${what}: not reached within ${timeoutMs} ms${last ? ` (last error: ${String(last)})` : ''}`);
}

/** The extension under test, activated, with the API its activate() returns. */
export function extensionApi(): Promise<FlinkMesosApi> {
  const ext = vscode.extensions.all.find(e => e.packageJSON?.name === 'flink-on-mesos');
  assert.ok(ext, 'the extension is not loaded');
  return Promise.resolve(ext.activate() as Thenable<FlinkMesosApi>);
}
