// Loaded by VS Code web as `extensionTestsPath` (webBench.ts): runs inside the extension host with the real `vscode` API.
// 1. Times the extension's activation: `await extension.activate()` covers loading dist/extension.js and running activate()
//    until its promise settles, which is what VS Code reports as code loading + activate call + activate resolved.
// 2. Optionally attaches a JobManager, shows the Sessions view, then hides the sidebar and panel, reporting each phase
//    to the benchmark's control endpoint so that it can count the REST requests of each phase at its proxy.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { PROBE_CONFIG_FILE, type ProbeConfig } from './probeConfig';


async function report(config: ProbeConfig, name: string, data: Record<string, unknown> = {}): Promise<void> {
  const res = await fetch(`${config.controlUrl}/__bench__/${name}`, { method: 'POST', body: JSON.stringify(data), headers: { 'content-type': 'application/json' } });
  await res.text();
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** RSS and heap of this process (the extension host), the median of `n` samples 500 ms apart. */
async function memory(n: number): Promise<{ rssMb: number; heapMb: number }> {
  const rss: number[] = [];
  const heap: number[] = [];
  for (let i = 0; i < n; i++) {
    const m = process.memoryUsage();
    rss.push(m.rss / 1048576);
    heap.push((m.heapUsed + m.external) / 1048576);
    await sleep(500);
  }
  const mid = (xs: number[]): number => xs.sort((a, b) => a - b)[xs.length >> 1];
  return { rssMb: mid(rss), heapMb: mid(heap) };
}

/**
 * The same window twice: the sidebar open with no session, then with the 1,000-TaskManager session attached, its tree
 * filled and a TaskManager panel open beside it. Memory is sampled at the end of each stretch; requests are counted at
 * the benchmark's proxy between visible-start and visible-end.
 */
async function scaleRun(config: ProbeConfig): Promise<void> {
  await vscode.commands.executeCommand('workbench.view.extension.flinkMesos');
  await sleep(config.graceSeconds * 1000);
  await report(config, 'baseline', await memory(7));
  await vscode.commands.executeCommand('flinkMesos.session.attach', { jobManagerUrl: config.jobManagerUrl, name: 'bench' });
  await vscode.commands.executeCommand('workbench.view.extension.flinkMesos');
  await vscode.commands.executeCommand('flinkMesos.taskManager.show', { session: 'bench', taskManagerId: config.taskManagerId });
  await sleep(config.graceSeconds * 1000);
  await report(config, 'visible-start');
  await sleep(Math.max(0, config.visibleSeconds * 1000 - 3500));
  const loaded = await memory(7);
  await report(config, 'visible-end', loaded);
}

export async function run(): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!folder) throw new Error('hostProbe: the workbench opened no folder');
  const config = JSON.parse(fs.readFileSync(path.join(folder, PROBE_CONFIG_FILE), 'utf8')) as ProbeConfig;
  try {
    const ext = vscode.extensions.getExtension(config.extensionId);
    if (!ext) throw new Error(`extension ${config.extensionId} is not loaded`);
    const wasActive = ext.isActive;
    const t0 = performance.now();
    await ext.activate();
    const activationMs = performance.now() - t0;
    await report(config, 'activated', { activationMs, wasActive });
    if (!config.jobManagerUrl) return;
    if (config.mode === 'scale') { await scaleRun(config); return; }

    await vscode.commands.executeCommand('workbench.view.extension.flinkMesos');
    await vscode.commands.executeCommand('flinkMesos.session.attach', { jobManagerUrl: config.jobManagerUrl, name: 'bench' });
    await report(config, 'visible-start');
    await sleep(config.visibleSeconds * 1000);
    await report(config, 'visible-end');
    await vscode.commands.executeCommand('workbench.action.closeSidebar');
    await vscode.commands.executeCommand('workbench.action.closePanel');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await sleep(config.graceSeconds * 1000);
    await report(config, 'hidden-start');
    await sleep(config.hiddenSeconds * 1000);
    await report(config, 'hidden-end');
  } catch (err) {
    await report(config, 'error', { message: err instanceof Error ? err.stack ?? err.message : String(err) }).catch(() => undefined);
    throw err;
  }
}
