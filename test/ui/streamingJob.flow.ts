// Issue 14 in the workbench: a streaming job's Job panel draws the graph with live rates and a checkpoint history that
// grows; Trigger Savepoint from the panel adds to the savepoint history; Upgrade Job... from the panel stops it with a
// savepoint and the new jar runs from it (Mesos and Flink stand-ins).
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { STREAMING_CLASS, buildJar } from '../fixtures/jars';
import { pollUntil } from '../harness/pollUntil';
import type { FlowContext, FlowSetup } from '../harness/uiFlow';
import { MesosCluster } from '../standin/mesos/MesosCluster';
import { liveTaskCount, sessionRows, sessionSettings } from './sessionFlowSteps';

export const name = 'streaming-job';
export const timeoutMs = 300_000;

let cluster: MesosCluster | undefined;

export async function setup(workspace: string): Promise<FlowSetup> {
  cluster = await MesosCluster.start({ agents: 2, heartbeatSeconds: 1, allocationIntervalMs: 200, updateRetryMs: 1000 });
  await buildJar(path.join(workspace, 'Streaming.jar'), { mainClass: STREAMING_CLASS });
  await buildJar(path.join(workspace, 'StreamingV2.jar'), { mainClass: STREAMING_CLASS });
  return {
    settings: sessionSettings(cluster, 'stream', 1, 4),
    teardown: async () => { await cluster?.stop(); cluster = undefined; },
  };
}

const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, timeout = 60_000): Promise<T> => pollUntil(what, probe, timeout, 300);

async function answerSteps(page: Page, ctx: FlowContext, steps: number, answers: Record<number, string> = {}): Promise<void> {
  await ctx.helpers.answerWizardSteps(page, steps, answers);
}

/** Vertices drawn, and whether any shows a live rate. */
async function graphState(ctx: FlowContext): Promise<{ vertices: number; edges: number; rates: string[]; completed: number }> {
  const frame = await ctx.helpers.webviewFrame(ctx.page, '[data-testid="job-graph"]', 5000);
  return frame.evaluate(() => ({
    vertices: document.querySelectorAll('[data-testid="graph-vertex"]').length,
    edges: document.querySelectorAll('[data-testid="graph-edge"]').length,
    rates: Array.from(document.querySelectorAll('[data-testid="vertex-rates"]')).map(e => e.textContent ?? ''),
    completed: Number(document.querySelector('[data-testid="checkpoints-completed"]')?.textContent ?? 0),
  }));
}

export async function run(ctx: FlowContext): Promise<void> {
  const { page, helpers, workspace, screenshot, log } = ctx;
  await helpers.openViewContainer(page, 'Flink on Mesos');
  await helpers.runPaletteCommand(page, 'Start Session');
  await answerSteps(page, ctx, 12);
  await helpers.waitForNotification(page, /Flink session stream is up/, 90_000);
  await helpers.clearNotifications(page);

  // Submit the streaming job: its Job panel draws the graph with live rates and a checkpoint history that grows.
  await helpers.runPaletteCommand(page, 'Submit to Flink');
  await helpers.answerQuickInput(page, { pick: 'Streaming.jar' });
  await answerSteps(page, ctx, 4, { 2: '1' });
  const first = await waitFor('the graph with live rates', async () => {
    const g = await graphState(ctx);
    return g.vertices === 3 && g.rates.some(r => /in [1-9]/.test(r)) && g.completed >= 1 ? g : undefined;
  }, 60_000);
  log(`graph: ${JSON.stringify(first)}`);
  assert.equal(first.edges, 2);
  const later = await waitFor('more checkpoints', async () => {
    const g = await graphState(ctx);
    return g.completed > first.completed + 1 ? g : undefined;
  }, 30_000);
  log(`checkpoints ${first.completed} -> ${later.completed}`);
  await screenshot('job-graph');
  const frame = await helpers.webviewFrame(page, '[data-testid="job-graph"]');
  // The panel re-renders on each poll (keeping the scroll position): act through the DOM, not held locators.
  await frame.evaluate(() => document.querySelector('[data-testid="checkpoints"]')?.scrollIntoView());
  await waitFor('the checkpoint chart', async () => (await frame.locator('[data-testid="checkpoint-chart"]').count()) > 0 || undefined);
  await screenshot('job-checkpoints');
  await frame.evaluate(() => window.scrollTo(0, 0));

  // Trigger Savepoint from the panel: the job keeps running, the savepoint joins the history.
  await frame.evaluate(() => (document.querySelector('[data-testid="trigger-savepoint"]') as HTMLButtonElement | null)?.click());
  await helpers.answerQuickInput(page, { type: `file://${path.join(workspace, 'savepoints')}` });
  await helpers.waitForNotification(page, /Savepoint completed: file:/, 30_000);
  await waitFor('the savepoint in the panel\'s history', async () => {
    const t = await helpers.readWebviewText(page, '[data-testid="savepoints"]', 3000);
    return /savepoint\s+file:/.test(t) ? t : undefined;
  });
  await helpers.clearNotifications(page);

  // Upgrade Job... from the panel: stop with a savepoint, the new jar runs from it.
  await (await helpers.webviewFrame(page, '[data-testid="upgrade-job"]')).evaluate(() => (document.querySelector('[data-testid="upgrade-job"]') as HTMLButtonElement | null)?.click());
  // The web workbench's file dialog opens in the running job's jar folder: pick the new jar there.
  await helpers.answerQuickInput(page, { pick: 'StreamingV2.jar' });
  const title = (): Promise<string> => page.locator('.quick-input-widget .quick-input-title').innerText().catch(() => '');
  await waitFor('the program arguments box', async () => {
    const t = await title();
    if (t === 'Upgrade Job') return true;
    if (/the new jar/.test(t)) await page.keyboard.press('Enter');
    return undefined;
  }, 20_000);
  await page.keyboard.press('Enter');
  await waitFor('the mode pick', async () => (await title()) === 'Upgrade Job: mode' || undefined, 20_000);
  await screenshot('upgrade-mode-pick');
  await helpers.answerQuickInput(page, { pick: 'savepoint' });
  // The savepoint folder is prefilled with the folder of the job's last savepoint.
  await waitFor('the savepoint folder box', async () => (await title()) === 'Upgrade Job: savepoint folder' || undefined, 20_000);
  await page.keyboard.press('Enter');
  await helpers.waitForNotification(page, /Upgraded: job [0-9a-f]{32} runs StreamingV2\.jar from file:/, 90_000);
  const upgraded = await waitFor('the new job\'s panel running', async () => {
    const t = await helpers.readWebviewText(page, '[data-testid="checkpoints"]', 3000);
    return /Restored from file:/.test(t) ? t : undefined;
  }, 30_000);
  log(`upgraded: ${upgraded.split('\n').slice(0, 4).join(' | ')}`);
  await screenshot('job-upgraded');
  await helpers.clearNotifications(page);

  // The JobManager dies (no high availability): the session fails with its TaskManagers torn down, and the error offers
  // Restart Session, which starts it again with the same settings.
  assert.ok(cluster, 'setup did not run');
  const jm = (await cluster.operator<{ get_tasks: { tasks?: { task_id: { value: string }; state: string }[] } }>({ type: 'GET_TASKS' }))
    .get_tasks.tasks?.find(t => t.task_id.value.startsWith('jobmanager-') && t.state === 'TASK_RUNNING');
  assert.ok(jm, 'a running JobManager task');
  cluster.faults.killTask(jm.task_id.value, 'SIGKILL');
  await helpers.waitForNotification(page, /Flink session stream failed: .*Without high availability \(flinkMesos\.highAvailability\) its jobs are not recovered/, 60_000, { button: 'Restart Session' });
  await waitFor('the failed session\'s tasks gone', async () => (await liveTaskCount(cluster)) === 0 || undefined, 60_000);
  await screenshot('session-failed-restart');
  await helpers.clickNotificationButton(page, /Flink session stream failed/, 'Restart Session');
  await helpers.waitForNotification(page, /Flink session stream is up/, 90_000);
  await waitFor('the restarted session in the tree', async () => {
    const rows = await sessionRows(page, ctx);
    return rows.some(r => /^stream running/.test(r)) && rows.some(r => r.startsWith('TaskManagers 1/1')) ? rows : undefined;
  }, 60_000);
  assert.equal(await liveTaskCount(cluster), 2, 'the restarted session: one JobManager and one TaskManager');
  log('JobManager killed -> session failed -> Restart Session: running again with 1 TaskManager');
}
