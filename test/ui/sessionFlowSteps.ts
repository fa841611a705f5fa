// Steps the session UI flows share: the stand-in session settings, the master's live task count, the tree's rows, a window
// reload that must bring the session and its Session Resources panel back, and Stop from the palette.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { Page } from 'playwright-core';
import { pollUntil } from '../harness/pollUntil';
import type { FlowContext } from '../harness/uiFlow';
import type { MesosCluster } from '../standin/mesos/MesosCluster';

/** The settings of a session on the given cluster, every wizard step prefilled. */
export function sessionSettings(cluster: MesosCluster, name: string, taskManagers: number, slots: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    'flinkMesos.taskManagerMemoryMb': 1024,
    'flinkMesos.jobManagerMemoryMb': 1024,
    ...extra,
    'flinkMesos.master': cluster.masterUrls[0].replace(/^http:\/\//, ''),
    'flinkMesos.sessionName': name,
    'flinkMesos.taskManagers': taskManagers,
    'flinkMesos.slotsPerTaskManager': slots,
    'flinkMesos.flinkLocation': cluster.flinkHome,
    'flinkMesos.pollingIntervalSeconds': 1,
  };
}

/** Tasks the master reports as not ended. */
export async function liveTaskCount(cluster: MesosCluster | undefined): Promise<number> {
  const answer = await cluster?.operator<{ get_tasks: Record<string, { state: string }[] | undefined> }>({ type: 'GET_TASKS' });
  return Object.values(answer?.get_tasks ?? {}).flatMap(l => l ?? []).filter(t => !/FINISHED|FAILED|KILLED|LOST|ERROR|DROPPED|GONE/.test(t.state)).length;
}

/** Java processes started in a cluster's sandboxes (other JVMs on the machine are not ours). */
export function flinkJvmsUnder(dir: string | undefined): { pid: number; main: string }[] {
  if (!dir) return [];
  const out: { pid: number; main: string }[] = [];
  for (const pid of fs.readdirSync('/proc').filter(n => /^\d+$/.test(n))) {
    try {
      const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (!/\/java$/.test(args[0])) continue;
      const cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
      if (cwd.startsWith(dir) || args.some(a => a.includes(dir))) out.push({ pid: Number(pid), main: args.find(a => /^org\.apache\.flink\./.test(a)) ?? args[0] });
    } catch { /* gone meanwhile */ }
  }
  return out;
}

/** The Sessions tree's rows as "label description". */
export async function sessionRows(page: Page, ctx: FlowContext): Promise<string[]> {
  const rows = await ctx.helpers.readTreeRows(page, 'Sessions', { allowEmpty: true, timeoutMs: 2000 }).catch(() => []);
  return rows.map(r => `${r.label} ${r.description ?? ''}`.trim());
}

/**
 * Opens Session Resources, reloads the window, and waits for the session (its TaskManagers all there) and the panel to come
 * back, with no task launched or lost. Returns the restored panel's agents text.
 */
export async function reloadKeepsSession(ctx: FlowContext, cluster: MesosCluster, o: { session: string; agents: number; taskManagers: number; tasks: number; timeoutMs: number }): Promise<string> {
  const { page, helpers } = ctx;
  const waitFor = <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => pollUntil(what, probe, o.timeoutMs, 300);
  const agents = new RegExp(`Agents \\(${o.agents}\\)`);
  await helpers.runPaletteCommand(page, 'Show Session Resources');
  await waitFor('Session Resources in front', async () => {
    const t = await helpers.readWebviewText(page, '[data-testid="agents"]', 3000);
    return agents.test(t) ? t : undefined;
  });
  await helpers.runPaletteCommand(page, 'Reload Window');
  await helpers.waitForWorkbench(page);
  await helpers.openViewContainer(page, 'Flink on Mesos');
  await waitFor('the session after reload', async () => {
    const r = await sessionRows(page, ctx);
    return r.some(x => x.startsWith(`TaskManagers ${o.taskManagers}/${o.taskManagers}`)) ? r : undefined;
  });
  assert.equal(await liveTaskCount(cluster), o.tasks, 'reattaching must not launch or lose tasks');
  const tab = page.locator('.tabs-container .tab', { has: page.locator('.label-name', { hasText: new RegExp(`^Resources: ${o.session}$`) }) }).first();
  await tab.waitFor({ state: 'visible', timeout: 30_000 });
  await tab.click();
  return waitFor('Session Resources restored after the reload', async () => {
    const t = await helpers.readWebviewText(page, '[data-testid="agents"]', 3000);
    return agents.test(t) && t.includes(`taskmanager-${o.session}-`) ? t : undefined;
  });
}

/** Stop Session from the palette and its dialog: the notification, the welcome view again, 0 tasks on the master. */
export async function stopSessionFromPalette(ctx: FlowContext, cluster: MesosCluster, session: string, timeoutMs: number): Promise<void> {
  const { page, helpers } = ctx;
  await helpers.runPaletteCommand(page, 'Stop Session');
  const dialogButton = page.locator('.monaco-dialog-box .monaco-button', { hasText: /^Stop$/ });
  await dialogButton.waitFor({ state: 'visible', timeout: 20_000 });
  await dialogButton.click();
  await helpers.waitForNotification(page, new RegExp(`Flink session ${session} stopped`), timeoutMs);
  const welcome = await helpers.readWelcomeView(page, 'Sessions');
  assert.ok(welcome.buttons.some(b => /Start a Session/.test(b)), `no Start button after Stop: ${welcome.buttons.join(', ')}`);
  assert.equal(await liveTaskCount(cluster), 0);
}
