// Application mode in the workbench against real Apache Flink (the newest tested 2.x) on the stand-in Mesos: Run as
// Application on WordCount.jar from the explorer (its local jar served by the artifact server on 127.0.0.1), the tree
// shows the application with its job's final state, the framework torn down (0 tasks, 0 JVMs); StreamingCounter.jar as
// an application: its Job panel and its JobManager's Flink log, Upgrade Application... to StreamingCounterV2.jar from
// the tree (stopped with a savepoint, the new jar's cluster counts on from it), the tree's Stop Application with Savepoint (the
// savepoint on disk, torn down after it); a window reload keeps both results in the tree, Remove Application Result
// takes one away (and its file). Real JVMs on a shared 2-core machine start slowly: the waits are generous.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { REAL_FLINK_SESSION_SETTINGS, provisionRealFlink, type ProvisionedRealFlink } from '../harness/demoFlink';
import { NEWEST_REAL_FLINK } from '../harness/realFlink';
import { pollUntil } from '../harness/pollUntil';
import type { FlowContext, FlowSetup } from '../harness/uiFlow';
import { MesosCluster } from '../standin/mesos/MesosCluster';
import { flinkJvmsUnder, liveTaskCount } from './sessionFlowSteps';

export const name = 'application-mode';
export const timeoutMs = 900_000;

const JVM_START_MS = 300_000;
let cluster: MesosCluster | undefined;
let flink: ProvisionedRealFlink | undefined;

export async function setup(workspace: string): Promise<FlowSetup> {
  flink = provisionRealFlink(NEWEST_REAL_FLINK, (line) => process.stdout.write(`    ${line}\n`));
  cluster = await MesosCluster.start({
    agents: 2, heartbeatSeconds: 1, allocationIntervalMs: 200, updateRetryMs: 1000,
    flinkHome: flink.flinkHome, agentEnvironment: { JAVA_HOME: flink.javaHome }, killGracePeriodMs: 3000,
  });
  fs.copyFileSync(flink.wordCountJar, path.join(workspace, 'WordCount.jar'));
  fs.copyFileSync(flink.streamingJar, path.join(workspace, 'StreamingCounter.jar'));
  fs.copyFileSync(flink.streamingV2Jar, path.join(workspace, 'StreamingCounterV2.jar'));
  fs.writeFileSync(path.join(workspace, 'input.txt'), 'to be or not to be\nthat is the question\nto be\n');
  return {
    settings: {
      ...REAL_FLINK_SESSION_SETTINGS,
      'flinkMesos.master': cluster.masterUrls[0].replace(/^http:\/\//, ''),
      'flinkMesos.taskManagers': 1,
      'flinkMesos.slotsPerTaskManager': 2,
      'flinkMesos.flinkLocation': cluster.flinkHome,
      'flinkMesos.pollingIntervalSeconds': 1,
      'flinkMesos.application.artifactServerAddress': '127.0.0.1',
    },
    teardown: async () => { await cluster?.stop(); cluster = undefined; },
  };
}

const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, timeout = 120_000): Promise<T> => pollUntil(what, probe, timeout, 500);

async function treeRows(page: Page, ctx: FlowContext): Promise<{ label: string; description: string }[]> {
  const rows = await ctx.helpers.readTreeRows(page, 'Sessions', { allowEmpty: true, timeoutMs: 2000 }).catch(() => []);
  return rows.map(r => ({ label: r.label, description: r.description ?? '' }));
}

/** The description of the tree row labelled `label`, once it matches. */
async function rowMatching(page: Page, ctx: FlowContext, label: string, description: RegExp, timeout = JVM_START_MS): Promise<string> {
  return waitFor(`the tree row ${label} showing ${description}`, async () => {
    const row = (await treeRows(page, ctx)).find(r => r.label === label);
    if (row && /application failed/.test(row.description)) throw new Error(`${label} failed: ${row.description}`);
    return row && description.test(row.description) ? row.description : undefined;
  }, timeout);
}

const liveTasks = (): Promise<number> => liveTaskCount(cluster);

const flinkJvms = (): { pid: number; main: string }[] => flinkJvmsUnder(cluster?.workDir);

async function nothingLeft(what: string): Promise<void> {
  assert.equal(await liveTasks(), 0, `${what}: no task left on the master`);
  await waitFor(`${what}: no Flink JVM left`, async () => (flinkJvms().length === 0 ? true : undefined), 30_000)
    .catch(() => { throw new Error(`${what}: Flink JVMs left: ${flinkJvms().map(j => `${j.pid} ${j.main}`).join(', ')}`); });
}

/** Right-clicks a jar in the explorer and answers Run as Application's three questions (entry class kept, arguments). */
async function runAsApplication(ctx: FlowContext, jar: string, args: string): Promise<void> {
  const { page, helpers } = ctx;
  await helpers.openViewContainer(page, 'Explorer');
  await helpers.rightClickExplorerFile(page, jar);
  const entries = await helpers.readContextMenu(page);
  assert.ok(entries.includes('Run as Application'), `the jar's context menu lacks "Run as Application": ${entries.join(', ')}`);
  await helpers.pickContextMenuEntry(page, 'Run as Application');
  await helpers.answerWizardSteps(page, 3, { 1: args });
  await helpers.openViewContainer(page, 'Flink on Mesos');
}

export async function run(ctx: FlowContext): Promise<void> {
  const { page, helpers, workspace, screenshot, log } = ctx;
  assert.ok(cluster && flink, 'setup did not run');
  const started = Date.now();
  const at = (): string => `${((Date.now() - started) / 1000).toFixed(0)} s`;
  const storeDir = path.join(process.env.FLINK_MESOS_HOME ?? '', 'sessions');
  await helpers.openViewContainer(page, 'Flink on Mesos');

  // 1. WordCount as an application: the tree shows it with its job's final state, then nothing is left.
  const output = path.join(workspace, 'wordcount-out.txt');
  await runAsApplication(ctx, 'WordCount.jar', `--input ${path.join(workspace, 'input.txt')} --output ${output}`);
  await helpers.waitForNotification(page, /Flink application WordCount succeeded: The job finished\./, JVM_START_MS);
  const done = await rowMatching(page, ctx, 'WordCount', /^application succeeded · job FINISHED/);
  log(`${at()} WordCount: ${done}`);
  const counts = new Map(fs.readFileSync(output, 'utf8').trim().split('\n').map(l => l.split(' ') as [string, string]));
  assert.deepEqual(Object.fromEntries(counts), { to: '3', be: '3', or: '1', not: '1', that: '1', is: '1', the: '1', question: '1' });
  await nothingLeft('after WordCount');
  const kept = JSON.parse(fs.readFileSync(path.join(storeDir, 'applications', 'WordCount.json'), 'utf8')) as { outcome: string; jobState: string };
  assert.deepEqual([kept.outcome, kept.jobState], ['succeeded', 'FINISHED'], 'the result is kept in the shared store');
  await helpers.clearNotifications(page);
  await page.mouse.move(900, 600);
  await screenshot('application-wordcount-finished');

  // 2. The streaming job as an application: its Job panel and its JobManager's Flink log.
  const streamOut = path.join(workspace, 'streaming');
  await runAsApplication(ctx, 'StreamingCounter.jar', `--output ${streamOut} --interval-ms 50`);
  await rowMatching(page, ctx, 'StreamingCounter', /^application · job RUNNING/);
  log(`${at()} StreamingCounter RUNNING`);
  // The session row and the job row share the label (the job's name is the jar's): the job row is the one "running · ...".
  const jobRow = page.locator('.pane-body .monaco-list-row').filter({ has: page.locator('.label-description', { hasText: /^running · / }) }).first();
  // "Jobs" is a leaf until the first job shows; VS Code may keep it collapsed when it gets children: open it then.
  await waitFor('the Jobs row with the running job', async () => {
    const rows = await treeRows(page, ctx);
    return rows.some(r => r.label === 'Jobs' && /^1 running/.test(r.description)) ? true : undefined;
  }, 60_000);
  if (!(await jobRow.isVisible().catch(() => false))) {
    const jobs = page.locator('.pane-body .monaco-list-row[aria-expanded="false"]').filter({ has: page.locator('.label-name', { hasText: /^Jobs$/ }) }).first();
    if (await jobs.isVisible().catch(() => false)) await jobs.click();
  }
  await jobRow.waitFor({ state: 'visible', timeout: 60_000 });
  await jobRow.click();
  // A click that lands while the tree re-renders the row selects it without running its command: click again then.
  let clickedAt = Date.now();
  const state = await waitFor('the Job panel of the application\'s job: RUNNING', async () => {
    const t = (await helpers.readWebviewText(page, '[data-testid="job-state"]', 2000).catch(() => '')).trim();
    if (t === 'RUNNING') return t;
    if (!t && Date.now() - clickedAt > 8000) { await jobRow.click().catch(() => undefined); clickedAt = Date.now(); }
    return undefined;
  }, 60_000);
  assert.equal(state, 'RUNNING');
  await screenshot('application-job-panel');

  await helpers.openViewContainer(page, 'Flink on Mesos');
  await helpers.clickTreeRow(page, 'JobManager', 'Sessions', { button: 'right' });
  await helpers.pickContextMenuEntry(page, 'Show Logs');
  await helpers.answerQuickInput(page, { pick: 'JobManager' });
  await helpers.answerQuickInput(page, { pick: 'Flink log' });
  const logText = await waitFor('the JobManager\'s Flink log in an editor', async () => {
    const t = await page.locator('.editor-instance .monaco-editor .view-lines').first().innerText({ timeout: 2000 }).catch(() => '');
    return /org\.apache\.flink\./.test(t) ? t : undefined;
  }, 60_000);
  assert.match(logText, /org\.apache\.flink\./, 'the application\'s JobManager log is Flink\'s own');
  await screenshot('application-jobmanager-log');

  // 3. Upgrade Application... from the application's row: stop with a savepoint, StreamingCounterV2.jar from it.
  await helpers.openViewContainer(page, 'Flink on Mesos');
  const appRow = page.locator('.pane-body .monaco-list-row[aria-level="1"]').filter({ has: page.locator('.label-name', { hasText: /^StreamingCounter$/ }) }).first();
  await appRow.click({ button: 'right' });
  const appMenu = await helpers.readContextMenu(page);
  assert.ok(appMenu.includes('Upgrade Application...'), `the application's context menu lacks "Upgrade Application...": ${appMenu.join(', ')}`);
  await helpers.pickContextMenuEntry(page, 'Upgrade Application...');
  // The web workbench's file dialog opens in the running jar's folder: pick the new jar there.
  await helpers.answerQuickInput(page, { pick: 'StreamingCounterV2.jar' });
  const title = (): Promise<string> => page.locator('.quick-input-widget .quick-input-title').innerText().catch(() => '');
  // The picked jar fills the dialog's path; Enter takes it. On a busy machine the dialog's title can lag behind that
  // Enter, so it is pressed again only after a pause.
  let jarEnterAt = 0;
  const next = await waitFor('the program arguments box', async () => {
    const t = await title();
    if (/program arguments/.test(t)) return 'arguments';
    if (/savepoint folder/.test(t)) return 'savepoint folder';
    if (/the new jar/.test(t) && Date.now() - jarEnterAt > 3000) { jarEnterAt = Date.now(); await page.keyboard.press('Enter'); }
    return undefined;
  }, 30_000);
  // The running job's arguments are prefilled: Enter keeps them (a lagging title may have let the jar's Enter do it).
  if (next === 'arguments') await page.keyboard.press('Enter');
  else log(`${at()} the jar's Enter also kept the prefilled arguments`);
  await waitFor('the savepoint folder box', async () => (/savepoint folder/.test(await title()) ? true : undefined), 20_000);
  const upgradeSavepoints = path.join(workspace, 'upgrade-savepoints');
  await helpers.answerQuickInput(page, { type: upgradeSavepoints });
  const upgraded = await helpers.waitForNotification(page, /Upgraded: application StreamingCounter runs StreamingCounterV2\.jar as job [0-9a-f]{32}, from /, JVM_START_MS);
  log(`${at()} ${JSON.stringify(upgraded)}`);
  await rowMatching(page, ctx, 'StreamingCounter', /^application · job RUNNING/, 60_000);
  // The old job's panel closed with its cluster; the new job's opened in its place.
  const newJob = /as job ([0-9a-f]{32})/.exec(upgraded.message)?.[1] ?? '';
  const jobTabs = await waitFor('the new job\'s Job panel in place of the old one', async () => {
    const tabs = (await page.locator('.tabs-container .tab .label-name').allInnerTexts().catch(() => [] as string[])).filter(t => /^Job /.test(t));
    return tabs.length === 1 && tabs[0].startsWith(`Job ${newJob.slice(0, 10)}`) ? tabs : undefined;
  }, 30_000);
  log(`${at()} job tabs after the upgrade: ${jobTabs.join(', ')}`);
  const restored = await waitFor('the new job\'s panel: RUNNING, restored from the upgrade\'s savepoint', async () => {
    const stateText = (await helpers.readWebviewText(page, '[data-testid="job-state"]', 2000).catch(() => '')).trim();
    const checkpoints = await helpers.readWebviewText(page, '[data-testid="checkpoints"]', 2000).catch(() => '');
    return stateText === 'RUNNING' && /Restored from file:.*upgrade-savepoints/.test(checkpoints) ? checkpoints : undefined;
  }, 60_000);
  log(`${at()} ${restored.split('\n').slice(0, 3).join(' | ')}`);
  const v2Lines = await waitFor('v2 lines from the upgraded application', async () => {
    const text = fs.existsSync(path.join(streamOut, 'count-0.log')) ? fs.readFileSync(path.join(streamOut, 'count-0.log'), 'utf8').trim().split('\n') : [];
    const at2 = text.findIndex(l => l.endsWith(' v2'));
    return at2 > 0 && text.length > at2 + 2 ? { last: Number(text[at2 - 1].split(' ')[1]), first: Number(text[at2].split(' ')[1]) } : undefined;
  }, 120_000);
  assert.ok(v2Lines.first > 1 && v2Lines.first >= v2Lines.last - 2, `the counter goes on from the savepoint: v2 starts at ${v2Lines.first} after ${v2Lines.last}`);
  assert.equal(await liveTasks(), 2, 'only the upgraded cluster runs (its JobManager and TaskManager)');
  await helpers.clearNotifications(page);
  await page.mouse.move(900, 600);
  await screenshot('application-upgraded');

  // 4. Stop offers stop with savepoint: from the application's row in the tree.
  await helpers.openViewContainer(page, 'Flink on Mesos');
  const sessionRow = page.locator('.pane-body .monaco-list-row[aria-level="1"]').filter({ has: page.locator('.label-name', { hasText: /^StreamingCounter$/ }) }).first();
  await sessionRow.click({ button: 'right' });
  const menu = await helpers.readContextMenu(page);
  assert.ok(menu.includes('Stop Application with Savepoint'), `the application's context menu lacks "Stop Application with Savepoint": ${menu.join(', ')}`);
  await helpers.pickContextMenuEntry(page, 'Stop Application with Savepoint');
  const savepoints = path.join(workspace, 'savepoints');
  await helpers.answerQuickInput(page, { type: savepoints });
  const note = await helpers.waitForNotification(page, /Flink application StreamingCounter stopped with a savepoint at /, 180_000);
  log(`${at()} ${JSON.stringify(note)}`);
  await rowMatching(page, ctx, 'StreamingCounter', /^application stopped · job FINISHED/, 120_000);
  const savepointDirs = fs.readdirSync(savepoints).filter(d => fs.existsSync(path.join(savepoints, d, '_metadata')));
  assert.equal(savepointDirs.length, 1, `one savepoint with its _metadata under ${savepoints}: ${fs.readdirSync(savepoints).join(', ')}`);
  await nothingLeft('after stop with savepoint');
  await helpers.clearNotifications(page);
  await page.mouse.move(900, 600);
  await screenshot('application-stopped-with-savepoint');

  // 5. A reload keeps both results in the tree (read from the store); Remove Application Result takes one away.
  await helpers.runPaletteCommand(page, 'Reload Window');
  await helpers.waitForWorkbench(page);
  await helpers.openViewContainer(page, 'Flink on Mesos');
  const wc = await rowMatching(page, ctx, 'WordCount', /^application succeeded · job FINISHED/, 60_000);
  const sc = await rowMatching(page, ctx, 'StreamingCounter', /^application stopped · job FINISHED/, 60_000);
  log(`${at()} after the reload: WordCount [${wc}], StreamingCounter [${sc}]`);
  assert.equal((await treeRows(page, ctx)).length, 2, 'only the two kept results: the applications\' clusters are gone');
  await screenshot('application-results-after-reload');
  await helpers.clickTreeRow(page, 'WordCount', 'Sessions', { button: 'right' });
  await helpers.pickContextMenuEntry(page, 'Remove Application Result');
  await waitFor('WordCount gone from the tree', async () => ((await treeRows(page, ctx)).some(r => r.label === 'WordCount') ? undefined : true), 30_000);
  assert.ok(!fs.existsSync(path.join(storeDir, 'applications', 'WordCount.json')), 'its kept result file is deleted');
  assert.ok((await treeRows(page, ctx)).some(r => r.label === 'StreamingCounter'), 'the other result stays');
  assert.equal(await liveTasks(), 0);
  log(`${at()} WordCount's result removed`);
}
