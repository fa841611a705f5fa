// The session flow once against real Apache Flink (the newest tested 2.x): the stand-in Mesos agents launch the real
// bin/jobmanager.sh and bin/taskmanager.sh, JAVA_HOME coming from the agents' environment. Palette start (2 TaskManagers,
// 2 slots, the smallest memory real Flink accepts), right-click submit of our WordCount test jar (Job Result FINISHED with
// Flink's own vertices and record counts, right counts in the output), a TaskManager panel with real heap figures and the
// real Flink log, Session Resources, the escaping check with a real failing job, a window reload, and Stop (0 tasks on the
// master, 0 Flink JVMs on the machine). Its screenshots (real-*.png) are the README's. Real JVMs on a shared 2-core machine
// start slowly: the waits are generous, this is not a timed test.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REAL_FLINK_SESSION_SETTINGS, provisionRealFlink, type ProvisionedRealFlink } from '../harness/demoFlink';
import { NEWEST_REAL_FLINK } from '../harness/realFlink';
import { pollUntil } from '../harness/pollUntil';
import type { FlowContext, FlowSetup } from '../harness/uiFlow';
import { MesosCluster } from '../standin/mesos/MesosCluster';
import { flinkJvmsUnder, reloadKeepsSession, sessionRows, sessionSettings, stopSessionFromPalette } from './sessionFlowSteps';

export const name = 'real-flink';
export const timeoutMs = 1_200_000;

const JVM_START_MS = 300_000;
let cluster: MesosCluster | undefined;
let flink: ProvisionedRealFlink | undefined;
const XSS = '<img src=x onerror="window.__xss=1"></script><script>window.__xss=2</script>';

export async function setup(workspace: string): Promise<FlowSetup> {
  flink = provisionRealFlink(NEWEST_REAL_FLINK, (line) => process.stdout.write(`    ${line}\n`));
  cluster = await MesosCluster.start({
    agents: 3, heartbeatSeconds: 1, allocationIntervalMs: 200, updateRetryMs: 1000,
    flinkHome: flink.flinkHome, agentEnvironment: { JAVA_HOME: flink.javaHome }, killGracePeriodMs: 3000,
  });
  fs.copyFileSync(flink.wordCountJar, path.join(workspace, 'WordCount.jar'));
  fs.copyFileSync(flink.failingJar, path.join(workspace, 'FailingJob.jar'));
  fs.writeFileSync(path.join(workspace, 'input.txt'), 'to be or not to be\nthat is the question\nto be\n');
  return {
    settings: sessionSettings(cluster, 'demo', 2, 2, REAL_FLINK_SESSION_SETTINGS),
    teardown: async () => { await cluster?.stop(); cluster = undefined; },
  };
}

const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, timeout = 120_000): Promise<T> => pollUntil(what, probe, timeout, 500);


const flinkJvms = (): { pid: number; main: string }[] => flinkJvmsUnder(cluster?.workDir);

export async function run(ctx: FlowContext): Promise<void> {
  const { page, helpers, workspace, screenshot, log } = ctx;
  assert.ok(cluster && flink, 'setup did not run');
  const started = Date.now();
  const at = (): string => `${((Date.now() - started) / 1000).toFixed(0)} s`;

  await helpers.openViewContainer(page, 'Flink on Mesos');
  const welcome = await helpers.readWelcomeView(page, 'Sessions');
  assert.ok(welcome.buttons.some(b => /Start a Session/.test(b)), `no Start button: ${welcome.buttons.join(', ')}`);
  await page.mouse.move(700, 450);
  await helpers.waitForQuiet(page);
  await screenshot('real-sessions-welcome');

  // 1. Start from the palette, every step prefilled from the settings; real JobManager and TaskManager JVMs come up.
  await helpers.runPaletteCommand(page, 'Start Session');
  await helpers.answerWizardSteps(page, 12);
  await helpers.waitForNotification(page, /Flink session demo is up: JobManager at http/, JVM_START_MS);
  const rows = await waitFor('2/2 real TaskManagers in the tree', async () => {
    const r = await sessionRows(page, ctx);
    return r.some(x => /^TaskManagers 2\/2/.test(x)) ? r : undefined;
  }, JVM_START_MS);
  log(`${at()} tree: ${rows.join(' | ')}`);
  const jvms = flinkJvms();
  log(`${at()} Flink JVMs: ${jvms.map(j => `${j.pid} ${j.main}`).join(', ')}`);
  assert.equal(jvms.filter(j => /StandaloneSessionClusterEntrypoint/.test(j.main)).length, 1, 'one real JobManager JVM');
  assert.equal(jvms.filter(j => /TaskManagerRunner/.test(j.main)).length, 2, 'two real TaskManager JVMs');
  await helpers.clearNotifications(page);
  await page.mouse.move(900, 600);
  await screenshot('real-session-tree');

  // 2. Right-click our WordCount jar and submit it.
  const input = path.join(workspace, 'input.txt');
  const output = path.join(workspace, 'wordcount-out.txt');
  await helpers.openViewContainer(page, 'Explorer');
  await helpers.rightClickExplorerFile(page, 'WordCount.jar');
  const entries = await helpers.readContextMenu(page);
  assert.ok(entries.includes('Submit to Flink'), `the jar's context menu lacks "Submit to Flink": ${entries.join(', ')}`);
  await screenshot('real-explorer-jar-context-menu');
  await helpers.pickContextMenuEntry(page, 'Submit to Flink');
  await helpers.answerWizardSteps(page, 4, { 1: `--input ${input} --output ${output}`, 2: '2' });
  const state = await waitFor('Job Result FINISHED', async () => {
    const t = await helpers.readWebviewText(page, '[data-testid="job-state"]', 2000);
    if (/FAILED|CANCELED/.test(t)) throw new Error(`the WordCount job ended ${t.trim()}`);
    return t.trim() === 'FINISHED' ? t : undefined;
  }, JVM_START_MS);
  assert.equal(state.trim(), 'FINISHED');
  log(`${at()} WordCount FINISHED`);
  const counts = new Map(fs.readFileSync(output, 'utf8').trim().split('\n').map(l => l.split(' ') as [string, string]));
  assert.deepEqual(Object.fromEntries(counts), { to: '3', be: '3', or: '1', not: '1', that: '1', is: '1', the: '1', question: '1' });
  // Flink's own vertices, with the record counts its metrics report: 3 lines in, 12 words out of the tokenizer, 8 counts
  // into the sink. (Flink 2.x's adaptive batch scheduler picks parallelism 1 for data this small.)
  const vertices = await waitFor('vertices with record counts', async () => {
    const frame = await helpers.webviewFrame(page, '[data-testid="vertices"]', 5000);
    const cells = await frame.evaluate(() => Array.from(document.querySelectorAll('[data-testid="vertices"] tbody tr'))
      .map(tr => Array.from(tr.querySelectorAll('td')).map(td => (td.textContent ?? '').trim())));
    const [, , , sinkIn] = cells.find(c => /word counts to /.test(c[0])) ?? [];
    const [, , , flatIn, flatOut] = cells.find(c => /Flat Map/.test(c[0])) ?? [];
    return flatIn === '3' && flatOut === '12' && sinkIn === '8' ? cells : undefined;
  }, 60_000);
  log(`vertices: ${vertices.map(c => c.join(' | ')).join(' ;; ')}`);
  assert.ok(vertices.length >= 2, 'a source vertex and the sink, at least');
  assert.ok(vertices.every(c => c[2] === 'FINISHED'), 'every vertex FINISHED');
  assert.ok(vertices.some(c => /^Source: /.test(c[0])), 'a real Flink source vertex');
  await page.mouse.move(900, 600);
  await screenshot('real-job-result');

  // 3. A TaskManager panel: real heap figures from Flink's metrics and the real Flink log.
  await helpers.openViewContainer(page, 'Flink on Mesos');
  const tmRow = (await helpers.readTreeRows(page, 'Sessions')).find(r => /^127\./.test(r.label));
  assert.ok(tmRow, 'no TaskManager row');
  await helpers.clickTreeRow(page, tmRow.label, 'Sessions');
  const tmId = await helpers.readWebviewText(page, '[data-testid="tm-id"]', 30_000);
  assert.match(tmId.trim(), /^[\w.-]*taskmanager[\w.-]*$/i, `the panel names the TaskManager by its Mesos task id: ${tmId}`);
  await waitFor('3 heap samples', async () => {
    const frame = await helpers.webviewFrame(page, '[data-testid="memory-chart"]', 5000);
    const n = await frame.evaluate(() => Number(document.querySelector('[data-testid="memory-chart"]')?.getAttribute('data-samples') ?? 0));
    return n >= 3 ? n : undefined;
  }, 120_000);
  const legend = await helpers.readWebviewText(page, '.legend', 5000);
  log(`heap: ${legend.trim()}`);
  const heap = /heap ([\d.]+) (KB|MB|GB) of ([\d.]+) (MB|GB)/.exec(legend);
  assert.ok(heap, `no "heap X of Y" figure: ${legend}`);
  const mb = (v: string, unit: string): number => Number(v) * (unit === 'GB' ? 1024 : unit === 'KB' ? 1 / 1024 : 1);
  const [used, max] = [mb(heap[1], heap[2]), mb(heap[3], heap[4])];
  // A 1024 MB TaskManager process gets a JVM heap of a few hundred MB from Flink's memory model.
  assert.ok(used > 1 && max > 100 && max < 1024 && used <= max, `implausible heap figures for a real 1 GB TaskManager: ${used} of ${max} MB`);
  const tail = await waitFor('the Flink log tail', async () => {
    const t = await helpers.readWebviewText(page, '[data-testid="log-tail"]', 3000);
    return /TaskExecutor|TaskManagerRunner/.test(t) ? t : undefined;
  }, 60_000);
  assert.match(tail, /org\.apache\.flink\./, 'the tail is Flink\'s own log');
  await screenshot('real-taskmanager-panel');

  // 4. Session Resources lists the agents that hold the session's three real tasks, with their sizes.
  await helpers.runPaletteCommand(page, 'Show Session Resources');
  const agentsText = await waitFor('the agents with the three tasks', async () => {
    const t = await helpers.readWebviewText(page, '[data-testid="agents"]', 3000);
    return /Agents \(2\)/.test(t) && /taskmanager-demo-00002/.test(t) ? t : undefined;
  });
  for (const task of ['jobmanager-demo', 'taskmanager-demo-00001', 'taskmanager-demo-00002']) {
    assert.ok(agentsText.includes(task), `Session Resources lacks the task ${task}`);
  }
  assert.match(agentsText, /JobManager\s*TASK_RUNNING\s*0\.5\s*768/, 'the JobManager task with the demo\'s 768 MB');
  await screenshot('real-session-resources');

  // Issue 9 with a real failing job: its name and message carry markup that shows literally and runs nothing.
  await helpers.runPaletteCommand(page, 'Submit to Flink');
  await helpers.answerQuickInput(page, { pick: 'FailingJob.jar' });
  await helpers.answerWizardSteps(page, 4, { 1: `--message '${XSS}' --name '${XSS}' --at 5`, 2: '1' });
  const root = await waitFor('the failing job\'s exception', async () => {
    const t = await helpers.readWebviewText(page, '[data-testid="root-exception"]', 2000);
    return t.includes('onerror') ? t : undefined;
  }, JVM_START_MS);
  assert.ok(root.includes(XSS), `the payload is not shown literally: ${root.slice(0, 300)}`);
  // Real Flink wraps it in "Recovery is suppressed by NoRestartBackoffTimeStrategy": the panel leads with the job's own cause.
  const cause = await helpers.readWebviewText(page, '[data-testid="root-cause"]', 5000);
  assert.equal(cause.trim(), `Cause: ${XSS}`);
  const ran = await Promise.all(page.frames().map(f => f.evaluate(() => ({
    xss: (window as unknown as { __xss?: number }).__xss,
    imgs: document.querySelectorAll('img[src="x"]').length,
    handlers: document.querySelectorAll('[onerror]').length,
  })).catch(() => ({ xss: undefined, imgs: 0, handlers: 0 }))));
  assert.ok(ran.every(r => r.xss === undefined && r.imgs === 0 && r.handlers === 0), `a payload ran or rendered: ${JSON.stringify(ran)}`);
  assert.equal((await helpers.readWebviewText(page, '[data-testid="job-name"]', 5000)).trim(), XSS, 'the job name shows literally');
  log(`${at()} FailingJob FAILED with the payload shown literally`);
  await screenshot('real-job-result-escaped');

  // 5. Reload the window: the session and its Session Resources panel come back, no task launched or lost.
  await reloadKeepsSession(ctx, cluster, { session: 'demo', agents: 2, taskManagers: 2, tasks: 3, timeoutMs: 120_000 });
  await screenshot('real-session-after-reload');

  // 6. Stop: 0 tasks on the master and 0 Flink JVMs on the machine.
  await stopSessionFromPalette(ctx, cluster, 'demo', 120_000);
  const left = await waitFor('no Flink JVM left', async () => (flinkJvms().length === 0 ? true : undefined), 30_000)
    .catch(() => { throw new Error(`Flink JVMs left after Stop: ${flinkJvms().map(j => `${j.pid} ${j.main}`).join(', ')}`); });
  assert.ok(left);
  log(`${at()} stopped: 0 tasks, 0 Flink JVMs`);
  await screenshot('real-session-stopped');
}
