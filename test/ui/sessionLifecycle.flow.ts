// The six flows in one workbench, as a person would do them: start a session from the palette (3 TaskManagers),
// right-click the WordCount jar and submit it (Job Result FINISHED, counts in the output), a TaskManager panel with its
// chart and logs, Session Resources listing the agents, a window reload that keeps the session, and Stop (0 tasks left).
// Also issue 9's escaping check: a job whose exception carries <img onerror> and </script> shows them literally, runs nothing
// (the Flink stand-in names its jobs itself, so the payload travels in the failing job's message, not in a job name),
// and Session Resources comes back after the reload through its serializer.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { FAILING_CLASS, WORDCOUNT_CLASS, buildJar, writeLicenseText } from '../fixtures/jars';
import { pollUntil } from '../harness/pollUntil';
import type { FlowContext, FlowSetup } from '../harness/uiFlow';
import { MesosCluster } from '../standin/mesos/MesosCluster';
import { reloadKeepsSession, sessionRows, sessionSettings, stopSessionFromPalette } from './sessionFlowSteps';
import { checkJobResultLayout } from './jobResultLayout';

export const name = 'session-lifecycle';
export const timeoutMs = 300_000;

let cluster: MesosCluster | undefined;
const XSS = '<img src=x onerror="window.__xss=1"></script><script>window.__xss=2</script>';

export async function setup(workspace: string): Promise<FlowSetup> {
  cluster = await MesosCluster.start({ agents: 3, heartbeatSeconds: 1, allocationIntervalMs: 200, updateRetryMs: 1000 });
  await buildJar(path.join(workspace, 'WordCount.jar'), { mainClass: WORDCOUNT_CLASS });
  await buildJar(path.join(workspace, 'Failing.jar'), { mainClass: FAILING_CLASS });
  writeLicenseText(path.join(workspace, 'LICENSE.txt'));
  return {
    settings: sessionSettings(cluster, 'demo', 3, 2),
    teardown: async () => { await cluster?.stop(); cluster = undefined; },
  };
}

const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, timeout = 60_000): Promise<T> => pollUntil(what, probe, timeout, 300);

/** Accepts each step of a quick input flow; `answers[i]` types a value first. */
async function answerSteps(page: Page, ctx: FlowContext, steps: number, answers: Record<number, string> = {}): Promise<void> {
  await ctx.helpers.answerWizardSteps(page, steps, answers);
}


export async function run(ctx: FlowContext): Promise<void> {
  const { page, helpers, workspace, screenshot, log } = ctx;

  // 1. Start a session from the palette: every step prefilled from the settings.
  await helpers.openViewContainer(page, 'Flink on Mesos');
  await helpers.runPaletteCommand(page, 'Start Session');
  await answerSteps(page, ctx, 12);
  await helpers.waitForNotification(page, /Flink session demo is up: JobManager at http/, 90_000);
  const rows = await waitFor('3/3 TaskManagers in the tree', async () => {
    const r = await sessionRows(page, ctx);
    return r.some(x => /^TaskManagers 3\/3/.test(x)) ? r : undefined;
  });
  log(`tree: ${rows.join(' | ')}`);
  await helpers.clearNotifications(page);
  await page.mouse.move(900, 600);
  await screenshot('session-tree');

  // 2. Right-click the WordCount jar and submit it.
  const output = path.join(workspace, 'wordcount-out');
  await helpers.openViewContainer(page, 'Explorer');
  await helpers.rightClickExplorerFile(page, 'WordCount.jar');
  await helpers.pickContextMenuEntry(page, 'Submit to Flink');
  await answerSteps(page, ctx, 4, { 1: `--input ${path.join(workspace, 'LICENSE.txt')} --output ${output}`, 2: '1' });
  const state = await waitFor('Job Result FINISHED', async () => {
    const t = await helpers.readWebviewText(page, '[data-testid="job-state"]', 2000);
    return t.trim() === 'FINISHED' ? t : undefined;
  }, 90_000);
  assert.equal(state.trim(), 'FINISHED');
  const counts = fs.readFileSync(output, 'utf8');
  assert.match(counts, /^\(license,\d+\)$/m);
  await screenshot('job-result');
  // Issue 18: its tables keep their words whole in light, dark and high-contrast themes (screenshots of each).
  await checkJobResultLayout(ctx);

  // 3. A TaskManager panel: its chart fills and its log tail shows.
  await helpers.openViewContainer(page, 'Flink on Mesos');
  const tmRow = (await helpers.readTreeRows(page, 'Sessions')).find(r => /^127\./.test(r.label));
  assert.ok(tmRow, 'no TaskManager row');
  await helpers.clickTreeRow(page, tmRow.label, 'Sessions');
  await waitFor('3 heap samples', async () => {
    const frame = await helpers.webviewFrame(page, '[data-testid="memory-chart"]', 5000);
    const n = await frame.evaluate(() => Number(document.querySelector('[data-testid="memory-chart"]')?.getAttribute('data-samples') ?? 0));
    return n >= 3 ? n : undefined;
  });
  const tail = await helpers.readWebviewText(page, '[data-testid="log-tail"]');
  assert.ok(tail.trim().length > 0, 'empty log tail');
  await screenshot('taskmanager-panel');

  // 4. Session Resources lists the agents.
  await helpers.runPaletteCommand(page, 'Show Session Resources');
  const agentsText = await waitFor('3 agents', async () => {
    const t = await helpers.readWebviewText(page, '[data-testid="agents"]', 3000);
    return /Agents \(3\)/.test(t) ? t : undefined;
  });
  for (const a of cluster?.agents ?? []) assert.ok(agentsText.includes(a.hostname), `Session Resources lacks ${a.hostname}`);
  await screenshot('session-resources');

  // Issue 9: cluster strings with markup show literally and run nothing.
  await helpers.runPaletteCommand(page, 'Submit to Flink');
  await helpers.answerQuickInput(page, { pick: 'Failing.jar' });
  // The payload travels both as the job's name and as its exception message.
  await answerSteps(page, ctx, 4, { 1: `--message '${XSS}' --job-name '${XSS}'`, 2: '1' });
  const root = await waitFor('the failing job\'s exception', async () => {
    const t = await helpers.readWebviewText(page, '[data-testid="root-exception"]', 2000);
    return t.includes('onerror') ? t : undefined;
  }, 60_000);
  assert.ok(root.includes('<img src=x onerror="window.__xss=1">'), `the payload is not shown literally: ${root.slice(0, 200)}`);
  const ran = await Promise.all(page.frames().map(f => f.evaluate((payload: string) => ({
    xss: (window as unknown as { __xss?: number }).__xss,
    imgs: document.querySelectorAll('img[src="x"]').length,
    handlers: document.querySelectorAll('[onerror]').length,
    scripts: Array.from(document.querySelectorAll('script')).filter(s => (s.textContent ?? '').includes('__xss')).length,
    // Every exception block (root and history) that holds the payload holds all of it, as text.
    partial: Array.from(document.querySelectorAll('pre.exception')).filter(p => (p.textContent ?? '').includes('onerror') && !(p.textContent ?? '').includes(payload)).length,
  }), XSS).catch(() => ({ xss: undefined, imgs: 0, handlers: 0, scripts: 0, partial: 0 }))));
  assert.ok(ran.every(r => r.xss === undefined && r.imgs === 0 && r.handlers === 0 && r.scripts === 0 && r.partial === 0),
    `a payload ran, rendered or was cut: ${JSON.stringify(ran)}`);
  assert.ok(root.includes(XSS), 'the whole payload, </script> included, shows literally');
  const jobName = await helpers.readWebviewText(page, '[data-testid="job-name"]', 5000);
  assert.equal(jobName.trim(), XSS, 'the job name shows literally in the Job Result title');
  // And in the tree, under Jobs > Failed, as its literal label.
  await helpers.openViewContainer(page, 'Flink on Mesos');
  await waitFor('the failed job in the tree', async () => {
    const rows = await helpers.readTreeRows(page, 'Sessions');
    if (!rows.some(r => r.label === 'Failed')) {
      if (rows.some(r => r.label === 'Jobs' && !r.expanded)) await helpers.clickTreeRow(page, 'Jobs', 'Sessions');
      return undefined;
    }
    if (!rows.some(r => r.label === XSS)) {
      if (rows.some(r => r.label === 'Failed' && !r.expanded)) await helpers.clickTreeRow(page, 'Failed', 'Sessions');
      return undefined;
    }
    return rows;
  }, 30_000);
  await screenshot('job-result-escaped');

  // 5. Reload the window: the session is still there, and so is the Session Resources panel (restored by its serializer).
  assert.ok(cluster, 'setup did not run');
  const restored = await reloadKeepsSession(ctx, cluster, { session: 'demo', agents: 3, taskManagers: 3, tasks: 4, timeoutMs: 60_000 });
  for (const a of cluster?.agents ?? []) assert.ok(restored.includes(a.hostname), `restored Session Resources lacks ${a.hostname}`);
  await screenshot('session-after-reload');

  // 6. Stop: the tree is empty and the master reports 0 tasks.
  await stopSessionFromPalette(ctx, cluster, 'demo', 60_000);
  await screenshot('session-stopped');
}
