// Issue 18: nothing but loopback may be contacted while VS Code web runs. Two watchers:
// - in Chromium, every request of the browser context (pages, frames, webviews, workers) is recorded, and one that is not
//   loopback or a local scheme is aborted before it leaves;
// - in code-server's Node processes, netGuard.ts (preloaded) records and refuses every non-loopback connect and look-up.
import * as fs from 'node:fs';
import type { BrowserContext } from 'playwright-core';

/** Schemes that never leave the browser (the workbench's own resources, webviews, inline data). */
const LOCAL_SCHEMES = ['data:', 'blob:', 'vscode-webview:', 'vscode-resource:', 'vscode-file:', 'vscode-remote-resource:', 'about:', 'chrome-extension:'];

export function isLoopbackUrl(url: string): boolean {
  if (LOCAL_SCHEMES.some((s) => url.startsWith(s))) return true;
  let u: URL;
  try { u = new URL(url); } catch { return false; }
  if (u.protocol !== 'http:' && u.protocol !== 'https:' && u.protocol !== 'ws:' && u.protocol !== 'wss:') return false;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export interface BrowserRequests {
  /** Every request URL seen, in order. */
  all: string[];
  /** Those that were not loopback (aborted). */
  offLoopback: string[];
}

/** Records every request of the context and aborts the ones that are not loopback. Call before the first navigation. */
export async function guardBrowserContext(context: BrowserContext): Promise<BrowserRequests> {
  const log: BrowserRequests = { all: [], offLoopback: [] };
  context.on('request', (req) => { log.all.push(req.url()); });
  await context.route(() => true, async (route) => {
    const url = route.request().url();
    if (isLoopbackUrl(url)) {
      await route.fallback();
    } else {
      log.offLoopback.push(url);
      await route.abort('blockedbyclient').catch(() => undefined);
    }
  });
  return log;
}

export interface ServerAttempt { kind: 'connect' | 'lookup'; target: string; pid: number; argv: string }

export interface ServerNetLog {
  /** Processes the guard was loaded in (pid: argv). */
  processes: string[];
  attempts: ServerAttempt[];
}

/** Reads netGuard.ts's log file. */
export function readServerNetLog(file: string): ServerNetLog {
  const out: ServerNetLog = { processes: [], attempts: [] };
  if (!fs.existsSync(file)) return out;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const e = JSON.parse(line) as { kind: string; target: string; pid: number; argv: string };
    if (e.kind === 'loaded') out.processes.push(`${e.pid}: ${e.argv}`);
    else out.attempts.push(e as ServerAttempt);
  }
  return out;
}

/** One error naming every non-loopback contact attempt seen by either watcher, or undefined when there was none. */
export function loopbackViolations(browser: BrowserRequests | undefined, server: ServerNetLog | undefined): string | undefined {
  const lines: string[] = [];
  for (const url of new Set(browser?.offLoopback ?? [])) lines.push(`  browser requested ${url}`);
  for (const a of server?.attempts ?? []) lines.push(`  code-server process ${a.pid} (${a.argv}) tried to ${a.kind === 'lookup' ? 'look up' : 'connect to'} ${a.target}`);
  if (lines.length === 0) return undefined;
  return `VS Code web tried to contact something other than loopback (refused before it left the machine):\n${lines.join('\n')}`;
}
