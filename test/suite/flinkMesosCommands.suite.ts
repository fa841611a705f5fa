// The commands a person drives through quick inputs (Start wizard, profiles, Scale, Show Plan, Submit, Cancel,
// Stop with Savepoint, Set Mesos Credentials) inside a real extension host against the Mesos and Flink stand-ins,
// and the faults of issue 9 seen from the UI: a slow or dead Flink REST API (fault 9), the master gone for longer
// than the backoff cap (fault 3), two windows on one session (fault 8), and secrets kept out of everything but SecretStorage.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FlinkMesosApi } from '../../src/extension';
import { FileSessionStore } from '../../src/core/session/SessionStore';
import { MesosSessionLauncher } from '../../src/session/MesosSessionLauncher';
import { SessionManager } from '../../src/session/SessionManager';
import { SessionModel } from '../../src/session/SessionModel';
import { StartSessionWizard } from '../../src/session/StartSessionWizard';
import type { SessionSettings } from '../../src/settings/extensionSettings';
import type { SessionTreeNode } from '../../src/tree/SessionTreeDataProvider';
import type { JobResultPanel } from '../../src/webviews/JobResultPanel';
import { MesosCluster } from '../standin/mesos/MesosCluster';
import { STREAMING_CLASS, WORDCOUNT_CLASS, buildJar, writeLicenseText } from '../fixtures/jars';
import { QuickInputDriver } from './quickInputDriver';
import { extensionApi, waitUntil } from './suiteHelpers';
import { runCli } from '../../src/core/cli/cli';
import { bufferIo } from '../helpers/bufferIo';
import { spawn } from 'node:child_process';

const FAST = {
  flinkPollMs: 150, runningPollMs: 500, reconcileInitialMs: 300, reconcileMaxMs: 2000, subscribeTimeoutMs: 8000,
  stopVerifyTimeoutMs: 10000, leaseHeartbeatMs: 300, leaseStaleMs: 3000, tickMs: 200, launchReconcileMs: 5000,
  heartbeatMissedIntervals: 3, backoffInitialMs: 100, backoffMaxMs: 1000, callTimeoutMs: 3000, connectTimeoutMs: 2000, flinkTimeoutMs: 2000,
};
const FLINK_TIMEOUT_S = 1.5;
const TERMINAL_TASK = /FINISHED|FAILED|KILLED|LOST|ERROR|DROPPED|GONE/;

class MemoryMemento implements vscode.Memento {
  private readonly values = new Map<string, unknown>();
  keys(): readonly string[] { return [...this.values.keys()]; }
  get<T>(key: string, defaultValue?: T): T | undefined { return (this.values.has(key) ? this.values.get(key) : defaultValue) as T | undefined; }
  update(key: string, value: unknown): Thenable<void> { this.values.set(key, value); return Promise.resolve(); }
}

/** A TCP-level stand-in for a JobManager in trouble: passes requests through, hangs them, or is not listening at all. */
class FlinkProxy {
  mode: 'pass' | 'hang' = 'pass';
  private server = http.createServer((req, res) => this.handle(req, res));
  private readonly sockets = new Set<net.Socket>();
  port = 0;
  constructor(private readonly target: URL) {
    this.server.on('connection', s => { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)); });
  }
  get url(): string { return `http://127.0.0.1:${this.port}`; }
  async listen(): Promise<void> {
    await new Promise<void>(r => this.server.listen(this.port, '127.0.0.1', r));
    this.port = (this.server.address() as net.AddressInfo).port;
  }
  /** Down: the port refuses connections. */
  async down(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>(r => this.server.close(() => r()));
  }
  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this.mode === 'hang') { req.resume(); return; }
    const up = http.request({ host: this.target.hostname, port: this.target.port, path: req.url, method: req.method, headers: { ...req.headers, host: this.target.host } }, r => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => { res.destroy(); });
    req.pipe(up);
  }
}

interface FrameworksAnswer { get_frameworks: { frameworks?: { framework_info: { id?: { value: string }; name: string }; active: boolean; connected: boolean }[] } }
interface TasksAnswer { get_tasks: Record<string, { task_id: { value: string }; framework_id: { value: string }; state: string }[] | undefined> }

async function liveTasks(cluster: MesosCluster, frameworkId: string): Promise<string[]> {
  const t = await cluster.operator<TasksAnswer>({ type: 'GET_TASKS' });
  return Object.values(t.get_tasks ?? {}).flatMap(l => l ?? [])
    .filter(x => x.framework_id.value === frameworkId && !TERMINAL_TASK.test(x.state)).map(x => x.task_id.value).sort();
}

async function frameworksWithId(cluster: MesosCluster, frameworkId: string): Promise<{ active: boolean; connected: boolean }[]> {
  const f = await cluster.operator<FrameworksAnswer>({ type: 'GET_FRAMEWORKS' });
  return (f.get_frameworks.frameworks ?? []).filter(x => x.framework_info.id?.value === frameworkId);
}

function rootItem(api: FlinkMesosApi, session: string): vscode.TreeItem | undefined {
  const root = api.tree.getChildren().find(n => n.session === session);
  return root ? api.tree.getTreeItem(root) : undefined;
}

function childItem(api: FlinkMesosApi, session: string, kind: SessionTreeNode['kind']): vscode.TreeItem | undefined {
  const root = api.tree.getChildren().find(n => n.session === session);
  const child = root ? api.tree.getChildren(root).find(n => n.kind === kind) : undefined;
  return child ? api.tree.getTreeItem(child) : undefined;
}

/** Runs fn while measuring how late a 20 ms timer fires: a blocked extension host shows as a large lag. */
async function withEventLoopLag<T>(fn: () => PromiseLike<T>): Promise<{ value: T; maxLagMs: number; elapsedMs: number }> {
  let maxLagMs = 0;
  let expected = Date.now() + 20;
  const timer = setInterval(() => { maxLagMs = Math.max(maxLagMs, Date.now() - expected); expected = Date.now() + 20; }, 20);
  const started = Date.now();
  try {
    const value = await fn();
    return { value, maxLagMs, elapsedMs: Date.now() - started };
  } finally {
    clearInterval(timer);
  }
}

suite('Flink on Mesos commands, credentials and faults', function () {
  this.timeout(120000);
  let cluster: MesosCluster;
  let authCluster: MesosCluster | undefined;
  let api: FlinkMesosApi;
  let tmp: string;
  let proxy: FlinkProxy | undefined;
  const ui = new QuickInputDriver();
  const stamp = Date.now().toString(36);
  const s1 = `prof${stamp}`;
  const s2 = `two${stamp}`;
  const proxied = `proxied${stamp}`;
  let store2: FileSessionStore;
  let manager2: SessionManager | undefined;
  let wordCountJar = '';
  let streamingJar = '';
  const cfg = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('flinkMesos');
  const masterOf = (c: MesosCluster): string => c.masterUrls.map(u => u.replace(/^http:\/\//, '')).join(',');

  suiteSetup(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fom-cmd-suite-'));
    store2 = new FileSessionStore(path.join(tmp, 'shared-store'));
    cluster = await MesosCluster.start({ agents: 3, heartbeatSeconds: 1, allocationIntervalMs: 100, updateRetryMs: 1000 });
    api = await extensionApi();
    api.sessionCommands.ui = ui;
    api.jobCommands.ui = ui;
    await cfg().update('pollingIntervalSeconds', 0.5, vscode.ConfigurationTarget.Global);
    await cfg().update('flinkRequestTimeoutSeconds', FLINK_TIMEOUT_S, vscode.ConfigurationTarget.Global);
    wordCountJar = await buildJar(path.join(tmp, 'WordCount.jar'), { mainClass: WORDCOUNT_CLASS });
    streamingJar = await buildJar(path.join(tmp, 'StateMachine.jar'), { mainClass: STREAMING_CLASS });
  });

  suiteTeardown(async () => {
    for (const p of api?.panels.all() ?? []) p.dispose();
    for (const name of [s1, s2]) if (api?.manager.has(name)) await api.manager.stop(name).catch(() => undefined);
    if (manager2?.has(s2)) await manager2.stop(s2).catch(() => undefined);
    manager2?.dispose();
    if (api?.manager.has(proxied)) await api.manager.detach(proxied);
    await proxy?.down().catch(() => undefined);
    await cfg().update('profiles', undefined, vscode.ConfigurationTarget.Global);
    await cfg().update('flinkRequestTimeoutSeconds', undefined, vscode.ConfigurationTarget.Global);
    await authCluster?.stop();
    await cluster?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('Start wizard: every value is checked as it is typed, Enter on a bad value stays, Back keeps what was typed', async () => {
    await cfg().update('profiles', undefined, vscode.ConfigurationTarget.Global);
    const state = new MemoryMemento();
    const result = new StartSessionWizard(state, () => ['taken'], ui).run();

    const master = await ui.nextBox('Mesos master');
    assert.equal(master.step, 1);
    assert.equal(master.hasBackButton(), false);
    for (const bad of ['', 'host:notaport', 'zk://', 'http://']) {
      master.type(bad);
      assert.ok(master.error, `"${bad}" as a master should be refused while typing`);
      assert.doesNotMatch(master.error, /-m\b/, 'the message should speak of the field, not the CLI flag');
    }
    master.type('127.0.0.1:5050');
    assert.equal(master.error, undefined);
    master.accept();

    const name = await ui.nextBox('Session name');
    name.type('taken');
    assert.match(String(name.error), /already/);
    name.type('bad name!');
    assert.match(String(name.error), /letters, digits/);
    name.answer('wiz1');

    const tms = await ui.nextBox('TaskManagers');
    for (const bad of ['zero', '0', '-1', '1.5']) { tms.type(bad); assert.match(String(tms.error), /number of TaskManagers/, bad); }
    tms.type('greedy');
    assert.equal(tms.error, undefined);
    tms.answer('3');

    const slots = await ui.nextBox('Slots');
    slots.type('0');
    assert.match(String(slots.error), /below 1/);
    slots.accept(); // Enter on a bad value: the wizard stays on this step
    await assert.rejects(ui.next(300), /no quick input/);
    assert.equal(slots.disposed, false);
    slots.answer('2');

    const tmMem = await ui.nextBox('TaskManager process memory');
    tmMem.type('100');
    assert.match(String(tmMem.error), /below/);
    tmMem.type('lots');
    assert.match(String(tmMem.error), /not a whole number/);
    tmMem.answer('2048');

    const tmCpus = await ui.nextBox('CPUs per TaskManager');
    for (const bad of ['0', '-1', 'abc', '']) { tmCpus.type(bad); assert.match(String(tmCpus.error), /CPUs/, bad); }
    tmCpus.answer('0.5');

    const jmMem = await ui.nextBox('JobManager process memory');
    assert.equal(jmMem.hasBackButton(), true);
    jmMem.back();
    const tmCpusAgain = await ui.nextBox('CPUs per TaskManager');
    assert.equal(tmCpusAgain.value, '0.5', 'Back should show the value typed before');
    tmCpusAgain.accept();
    const jmMem2 = await ui.nextBox('JobManager process memory');
    jmMem2.type('10');
    assert.match(String(jmMem2.error), /below/);
    jmMem2.answer('1600');
    (await ui.nextBox('CPUs for the JobManager')).answer('1');
    const flink = await ui.nextBox('Where Flink is');
    flink.type('   ');
    assert.match(String(flink.error), /Flink folder/);
    flink.answer('/opt/flink');
    const confDir = await ui.nextBox('configuration folder');
    assert.equal(confDir.step, 10);
    confDir.accept(); // empty: Flink's defaults
    const props = await ui.nextBox('Dynamic properties');
    props.type('novalue');
    assert.ok(props.error, '"novalue" without "=" should be refused');
    props.type('a=b c=d');
    assert.equal(props.error, undefined);
    props.accept();
    const ha = await ui.nextBox('high availability');
    assert.equal(ha.step, 12);
    assert.equal(ha.error, undefined, 'empty: no high availability');
    ha.type('zk://zk1:2181/flink');
    assert.match(String(ha.error), /--ha-storage|storage/, 'the storage is needed with HA');
    ha.type('zk://zk1:2181/flink relative/dir');
    assert.match(String(ha.error), /neither an absolute path nor a URI/);
    ha.type('zk://zk1:2181/flink /shared/ha');
    assert.equal(ha.error, undefined);
    ha.accept();

    const input = await result;
    assert.ok(input);
    assert.deepEqual(
      { ...input },
      { ...input, master: '127.0.0.1:5050', name: 'wiz1', taskManagers: 3, slotsPerTaskManager: 2, taskManagerMemoryMb: 2048, taskManagerCpus: 0.5, jobManagerMemoryMb: 1600, jobManagerCpus: 1, flinkLocation: '/opt/flink', dynamicProperties: ['a=b', 'c=d'], highAvailability: 'zk://zk1:2181/flink', highAvailabilityStorage: '/shared/ha' },
    );
  });

  test('Start wizard on the real quick input closes cleanly when dismissed', async () => {
    await cfg().update('profiles', undefined, vscode.ConfigurationTarget.Global);
    const result = new StartSessionWizard(new MemoryMemento(), () => []).run();
    await new Promise(r => setTimeout(r, 800));
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    const settled = await Promise.race([result, new Promise<'pending'>(r => setTimeout(() => r('pending'), 5000))]);
    assert.equal(settled, undefined, 'dismissing the real input box should cancel the wizard');
  });

  test('a profile from flinkMesos.profiles starts a known session in one step', async () => {
    await cfg().update('profiles', {
      [`demo-${stamp}`]: {
        name: s1, master: masterOf(cluster), taskManagers: 1, slotsPerTaskManager: 2, taskManagerMemoryMb: 1024, taskManagerCpus: 1,
        jobManagerMemoryMb: 1024, jobManagerCpus: 1, flinkLocation: cluster.flinkHome,
      },
    }, vscode.ConfigurationTarget.Global);
    const asked = ui.history.length;
    const started = vscode.commands.executeCommand<{ name: string; phase: string } | undefined>('flinkMesos.session.start');
    const pick = await ui.nextPick();
    assert.ok(pick.items.some(i => i.label.includes('Enter values')), 'the manual path should stay available');
    pick.pick(new RegExp(`demo-${stamp}`));
    const view = await started;
    assert.ok(view, `the start failed: ${api.logger.shownErrors.slice(-1)[0] ?? '(no error shown)'}`);
    assert.equal(view.name, s1);
    assert.equal(view.phase, 'running');
    assert.equal(ui.history.length - asked, 1, 'a profile should start after one pick, with no further question');
    await waitUntil('1 registered TaskManager', async () => {
      await api.manager.refresh(s1);
      return api.model.get(s1)?.taskManagers.filter(t => t.registered).length === 1;
    });
    assert.match(String(rootItem(api, s1)?.description), /^running/);
  });

  test('Scale Session grows to 2 TaskManagers from the argument, and back to 1 from its typed-in prompt', async () => {
    await vscode.commands.executeCommand('flinkMesos.session.scale', { session: s1, taskManagers: 2 });
    await waitUntil('2 registered TaskManagers', async () => {
      await api.manager.refresh(s1);
      return api.model.get(s1)?.taskManagers.filter(t => t.registered && !t.lost).length === 2;
    }, 60000);
    const frameworkId = api.model.get(s1)?.frameworkId ?? '';
    assert.equal((await liveTasks(cluster, frameworkId)).length, 3, 'the master should run the JobManager and 2 TaskManagers');

    const scaling = vscode.commands.executeCommand('flinkMesos.session.scale', { session: s1 });
    const box = await ui.nextBox('TaskManagers');
    assert.equal(box.value, '2');
    box.type('0');
    assert.match(String(box.error), /Type 1 or more/);
    box.answer('1');
    await scaling;
    await waitUntil('1 TaskManager task on the master', async () => (await liveTasks(cluster, frameworkId)).length === 2, 60000);
    await waitUntil('1 registered TaskManager', async () => {
      await api.manager.refresh(s1);
      return api.model.get(s1)?.taskManagers.filter(t => t.registered && !t.lost).length === 1;
    }, 30000);
  });

  test('Show Plan answers the job graph without running a job, and uploads the jar once', async () => {
    const flink = api.manager.flinkOf(s1);
    const jobsBefore = (await flink.jobsOverview()).length;
    const planned = vscode.commands.executeCommand('flinkMesos.jar.showPlan', vscode.Uri.file(wordCountJar));
    const entry = await ui.nextPick();
    entry.pick(WORDCOUNT_CLASS);
    (await ui.nextBox('Program arguments')).answer('--input /nowhere/in.txt --output /nowhere/out');
    const parallelism = await ui.nextBox('Parallelism');
    parallelism.type('none');
    assert.match(String(parallelism.error), /not a parallelism/);
    parallelism.answer('1');
    (await ui.nextBox('savepoint')).answer('');
    await planned;
    const doc = await waitUntil('the plan document', () => vscode.window.activeTextEditor?.document.languageId === 'json' ? vscode.window.activeTextEditor.document : undefined, 10000);
    const plan = JSON.parse(doc.getText()) as { nodes?: unknown[]; plan?: { nodes?: unknown[] } };
    assert.ok((plan.nodes ?? plan.plan?.nodes ?? []).length > 0, `no nodes in the plan: ${doc.getText().slice(0, 200)}`);
    assert.equal((await flink.jobsOverview()).length, jobsBefore, 'Show Plan must not run a job');
    assert.equal((await flink.jars()).files.length, 1);
    const remembered = api.globalState.get<Record<string, string>>('flinkMesos.uploadedJars') ?? {};
    assert.ok(Object.keys(remembered).some(k => k.startsWith(flink.baseUrl) && k.includes('WordCount.jar')), 'the upload should be remembered in the extension\'s global state');
  });

  test('Submit Jar reuses the uploaded jar, refuses a parallelism the free slots cannot run, and its Job Result panel follows the job through the JobWatcher until Cancel', async () => {
    const flink = api.manager.flinkOf(s1);
    const input = writeLicenseText(path.join(tmp, 'LICENSE.txt'));
    // The same jar again: no second upload.
    const submitWc = vscode.commands.executeCommand<string | undefined>('flinkMesos.jar.submit', vscode.Uri.file(wordCountJar));
    (await ui.nextPick()).pick(WORDCOUNT_CLASS);
    const args = await ui.nextBox('Program arguments');
    assert.equal(args.value, '--input /nowhere/in.txt --output /nowhere/out', 'the arguments should be remembered per jar');
    args.type('--input "unbalanced');
    assert.match(String(args.error), /quot/i);
    args.answer(`--input ${input} --output ${path.join(tmp, 'wc-out')}`);
    (await ui.nextBox('Parallelism')).answer('1');
    (await ui.nextBox('savepoint')).answer('');
    const wcJob = await submitWc;
    assert.ok(wcJob, `submit failed: ${api.logger.shownErrors.slice(-1)[0]}`);
    assert.equal((await flink.jars()).files.length, 1, 'the JobManager already had this jar: it must not be uploaded again');
    await waitUntil('WordCount FINISHED', async () => (await flink.job(wcJob)).state === 'FINISHED', 60000);

    // More slots than the session has: refused before anything runs, with the reason and the fix.
    const errorsBefore = api.logger.shownErrors.length;
    const tooWide = vscode.commands.executeCommand<string | undefined>('flinkMesos.jar.submit', vscode.Uri.file(streamingJar));
    (await ui.nextPick()).pick(STREAMING_CLASS);
    (await ui.nextBox('Program arguments')).answer('');
    (await ui.nextBox('Parallelism')).answer('50');
    (await ui.nextBox('savepoint')).answer('');
    assert.equal(await tooWide, undefined);
    assert.match(api.logger.shownErrors.slice(errorsBefore).join('\n'), /Not enough free slots: the job needs 50 slots.*scale the session up/);

    const submit = vscode.commands.executeCommand<string | undefined>('flinkMesos.jar.submit', vscode.Uri.file(streamingJar));
    (await ui.nextPick()).pick(STREAMING_CLASS);
    (await ui.nextBox('Program arguments')).answer('');
    (await ui.nextBox('Parallelism')).answer('1');
    (await ui.nextBox('savepoint')).answer('');
    const jobId = await submit;
    assert.ok(jobId, `submit failed: ${api.logger.shownErrors.slice(-1)[0]}`);
    const panel = api.panels.get({ kind: 'jobResult', session: s1, id: jobId }) as JobResultPanel | undefined;
    assert.ok(panel, 'Submit Jar should open the Job Result panel');
    assert.equal(panel.followsJob, true, 'the panel should follow the job through the core\'s JobWatcher');
    assert.equal(api.manager.isFollowingJob(s1, jobId), true);
    await waitUntil('RUNNING in the panel', () => { const p = panel.lastPosted; return p?.kind === 'jobResult' && p.data.state === 'RUNNING'; }, 30000);

    await vscode.commands.executeCommand('flinkMesos.job.cancel', { session: s1, jobId });
    await waitUntil('CANCELED in the panel, without a refresh from the test', () => { const p = panel.lastPosted; return p?.kind === 'jobResult' && p.data.state === 'CANCELED'; }, 30000);
    await waitUntil('CANCELED in the tree', () => api.model.get(s1)?.jobs.find(j => j.id === jobId)?.state === 'CANCELED', 10000);
    await waitUntil('the watcher released', () => !api.manager.isFollowingJob(s1, jobId), 5000);
    panel.dispose();
  });

  test('Stop Job with Savepoint asks for the folder and the drain choice, and the job ends with a savepoint there', async () => {
    const jobId = await api.manager.submit(s1, { jarPath: streamingJar, entryClass: STREAMING_CLASS, args: [], parallelism: 1 }, () => undefined);
    await waitUntil('RUNNING', async () => (await api.manager.flinkOf(s1).job(jobId)).state === 'RUNNING', 30000);
    await waitUntil('RUNNING in the tree', () => api.model.get(s1)?.jobs.find(j => j.id === jobId && j.state === 'RUNNING'), 10000);
    const folder = `file://${path.join(tmp, 'savepoints')}`;
    const stopping = vscode.commands.executeCommand<string | undefined>('flinkMesos.job.stopWithSavepoint');
    const which = await ui.nextPick();
    which.pick(new RegExp('.'));
    assert.equal((which.selectedItems[0] as { detail?: string }).detail, jobId);
    (await ui.nextBox('Savepoint folder')).answer(folder);
    (await ui.nextPick()).pick('Stop');
    const location = await stopping;
    assert.ok(location, `stop failed: ${api.logger.shownErrors.slice(-1)[0]}`);
    assert.ok(location.includes(path.join(tmp, 'savepoints')), `the savepoint went to ${location}`);
    await waitUntil('FINISHED in the tree', () => api.model.get(s1)?.jobs.find(j => j.id === jobId)?.state === 'FINISHED', 30000);
  });

  test('a Flink REST API that hangs or is down: calls time out, the tree says unreachable, nothing blocks, and it recovers', async () => {
    const target = new URL(api.model.get(s1)?.jobManager?.restUrl ?? '');
    proxy = new FlinkProxy(target);
    await proxy.listen();
    const attached = await vscode.commands.executeCommand<{ flinkReachable: boolean } | undefined>('flinkMesos.session.attach', { jobManagerUrl: proxy.url, name: proxied });
    assert.ok(attached?.flinkReachable, `attach failed: ${api.logger.shownErrors.slice(-1)[0]}`);
    assert.doesNotMatch(String(childItem(api, proxied, 'jobManager')?.description), /unreachable/);

    proxy.mode = 'hang';
    const hung = await withEventLoopLag(() => vscode.commands.executeCommand('flinkMesos.refresh', { session: proxied }));
    assert.ok(hung.elapsedMs < FLINK_TIMEOUT_S * 1000 * 2 + 1000, `refresh against a hanging JobManager took ${hung.elapsedMs} ms`);
    assert.ok(hung.maxLagMs < 500, `the extension host was blocked for ${hung.maxLagMs} ms`);
    assert.equal(api.model.get(proxied)?.flinkReachable, false);
    assert.match(String(childItem(api, proxied, 'jobManager')?.description), /unreachable/);
    // A command against the hanging JobManager fails in bounded time with a message, instead of waiting forever.
    const submitted = await withEventLoopLag(() => api.manager.submit(proxied, { jarPath: wordCountJar, entryClass: WORDCOUNT_CLASS, args: [], parallelism: 1 }, () => undefined).then(() => 'submitted', (e: Error) => e.message));
    assert.notEqual(submitted.value, 'submitted');
    assert.ok(submitted.elapsedMs < 10000, `submit took ${submitted.elapsedMs} ms`);
    assert.match(submitted.value, /time|answer|respond/i);
    // Other sessions and the tree stay usable meanwhile.
    const other = await withEventLoopLag(() => vscode.commands.executeCommand('flinkMesos.refresh', { session: s1 }));
    assert.ok(other.elapsedMs < 3000, `refreshing a healthy session took ${other.elapsedMs} ms`);
    assert.equal(api.model.get(s1)?.flinkReachable, true);

    await proxy.down();
    const refused = await withEventLoopLag(() => vscode.commands.executeCommand('flinkMesos.refresh', { session: proxied }));
    assert.ok(refused.elapsedMs < 3000, `refresh against a refused port took ${refused.elapsedMs} ms`);
    assert.equal(api.model.get(proxied)?.flinkReachable, false);

    proxy.mode = 'pass';
    await proxy.listen();
    await waitUntil('reachable again', async () => {
      await vscode.commands.executeCommand('flinkMesos.refresh', { session: proxied });
      return api.model.get(proxied)?.flinkReachable;
    }, 15000);
    assert.doesNotMatch(String(childItem(api, proxied, 'jobManager')?.description), /unreachable/);
    await vscode.commands.executeCommand('flinkMesos.session.detach', { session: proxied });
    assert.equal(api.manager.has(proxied), false);
  });

  test('Stop Session of the profile session leaves 0 of its tasks on the master', async () => {
    const frameworkId = api.model.get(s1)?.frameworkId ?? '';
    assert.ok(frameworkId);
    await vscode.commands.executeCommand('flinkMesos.session.stop', { session: s1 });
    assert.equal(api.manager.has(s1), false);
    assert.deepEqual(await liveTasks(cluster, frameworkId), []);
  });

  test('Set Mesos Credentials keeps the secret in SecretStorage only: not in settings, state, the session store, the log or error messages', async () => {
    const principal = 'fom-user';
    const rightSecret = `Right-S3cret-${stamp}`;
    const wrongSecret = `Wr0ng-S3cret-${stamp}`;
    authCluster = await MesosCluster.start({ agents: 1, heartbeatSeconds: 1, allocationIntervalMs: 100, auth: [{ principal, secret: rightSecret }] });
    const authMaster = masterOf(authCluster);
    const setCredentials = async (secret: string): Promise<void> => {
      const done = vscode.commands.executeCommand('flinkMesos.credentials.set');
      (await ui.nextBox('For which master')).answer(authMaster);
      (await ui.nextBox('Principal')).answer(principal);
      const box = await ui.nextBox('Secret');
      assert.equal(box.password, true, 'the secret should be typed into a password box');
      box.type('');
      assert.ok(box.error);
      box.answer(secret);
      await done;
    };
    await setCredentials(wrongSecret);
    assert.deepEqual(await api.credentials.get(authMaster), { principal, secret: wrongSecret });

    // Wrong secret: the master answers 401 and the user is told so, without the secret.
    const profile = { name: `auth${stamp}`, master: authMaster, taskManagers: 1, slotsPerTaskManager: 1, taskManagerMemoryMb: 1024, taskManagerCpus: 1, jobManagerMemoryMb: 1024, jobManagerCpus: 1, flinkLocation: authCluster.flinkHome };
    await cfg().update('profiles', { auth: profile }, vscode.ConfigurationTarget.Global);
    const errorsBefore = api.logger.shownErrors.length;
    const refused = vscode.commands.executeCommand('flinkMesos.session.start');
    (await ui.nextPick()).pick(/auth/);
    assert.equal(await refused, undefined);
    const shown = api.logger.shownErrors.slice(errorsBefore).join('\n');
    assert.match(shown, /401|credential|authenticat/i, `the error should say the credentials were refused: ${shown}`);

    // Right secret: the session starts with it.
    await setCredentials(rightSecret);
    const started = vscode.commands.executeCommand<{ phase: string } | undefined>('flinkMesos.session.start');
    (await ui.nextPick()).pick(/auth/);
    const view = await started;
    assert.equal(view?.phase, 'running', `start with the right secret failed: ${api.logger.shownErrors.slice(-1)[0]}`);
    await api.manager.stop(profile.name);
    api.manager.remove(profile.name);

    const needles = [rightSecret, wrongSecret, ...[rightSecret, wrongSecret].map(s => Buffer.from(`${principal}:${s}`).toString('base64'))];
    const places: [string, string][] = [];
    const settings = cfg();
    for (const key of Object.keys(settings).filter(k => typeof (settings as unknown as Record<string, unknown>)[k] !== 'function')) {
      places.push([`setting flinkMesos.${key}`, JSON.stringify(settings.inspect(key))]);
    }
    for (const key of api.globalState.keys()) places.push([`globalState ${key}`, JSON.stringify(api.globalState.get(key))]);
    for (const f of fs.existsSync(api.sessionStoreDir) ? fs.readdirSync(api.sessionStoreDir) : []) places.push([`session store ${f}`, fs.readFileSync(path.join(api.sessionStoreDir, f), 'utf8')]);
    places.push(['output channel', api.logger.recentLines.join('\n')]);
    places.push(['error messages', api.logger.shownErrors.join('\n')]);
    assert.ok(api.logger.recentLines.length > 0 && places.length > 5);
    for (const [where, text] of places) for (const n of needles) assert.ok(!text.includes(n), `a secret leaked into ${where}`);
  });

  test('two windows on one session: the second follows it read-only and its Scale goes to the first; a terminal\'s scale too; the master sees one framework', async () => {
    const launcher1 = new MesosSessionLauncher(store2, api.logger, FAST);
    const settings: SessionSettings = {
      name: s2, master: masterOf(cluster), taskManagers: 1, slotsPerTaskManager: 1, taskManagerMemoryMb: 1024, taskManagerCpus: 1,
      jobManagerMemoryMb: 1024, jobManagerCpus: 1, flinkLocation: cluster.flinkHome, configDir: '', dynamicProperties: [], webUi: true, role: '*',
      failoverTimeoutSeconds: 3600, constraints: [], resourceWaitTimeoutSeconds: 60, verbose: false,
    };
    api.manager.adoptMesosSession(s2, await launcher1.start(settings, undefined, { report: () => undefined }, new vscode.CancellationTokenSource().token));
    const frameworkId = api.model.get(s2)?.frameworkId ?? '';
    assert.ok(frameworkId);
    const tasks = await liveTasks(cluster, frameworkId);
    assert.equal(tasks.length, 2);

    // The second window: its own manager and launcher over the same store, in the same host.
    manager2 = new SessionManager(new SessionModel(), api.logger, 2000);
    const launcher2 = new MesosSessionLauncher(store2, api.logger, FAST);
    assert.deepEqual(await launcher2.saved(), [s2], 'the second window should see the saved session');
    const m2 = manager2;
    m2.adoptMesosSession(s2, await launcher2.reattach(s2, () => Promise.resolve(undefined)));
    await waitUntil('followed read-only in the second window', () => m2.model.get(s2)?.readOnly === true && m2.model.get(s2)?.phase === 'running', 15000);
    assert.equal(m2.model.get(s2)?.frameworkId, frameworkId);
    assert.match(m2.model.get(s2)?.phaseDetail ?? '', /Driven by pid \d+ .*sends Scale and Stop to it/);
    // VS Code asks, VS Code drives: the second window's Scale is done by the first.
    await m2.scale(s2, 2);
    await waitUntil('the first window scaled to 2', async () => (await liveTasks(cluster, frameworkId)).length === 3, 30000);
    await waitUntil('the first window shows 2 TaskManagers', () => api.model.get(s2)?.taskManagersWanted === 2, 10000);
    // A terminal asks, VS Code drives: `flink-mesos session scale 1` against the same store.
    const io = bufferIo({ FLINK_MESOS_TIMINGS: JSON.stringify(FAST) });
    assert.equal(await runCli(['session', 'scale', '1', '--name', s2, '--json', '--store', store2.dir], io), 0, io.stderr);
    assert.equal((JSON.parse(io.stdout) as { through: string }).through, 'driver');
    assert.deepEqual(await liveTasks(cluster, frameworkId), tasks, 'back to the first JobManager and TaskManager');
    const fws = await frameworksWithId(cluster, frameworkId);
    assert.equal(fws.length, 1);
    assert.equal(fws[0].connected, true);
    // Right after a scale the phase may still say 'taskManagers' until Flink lists the new set.
    await waitUntil('the first window keeps driving the session', () => api.model.get(s2)?.phase === 'running' && api.model.get(s2)?.readOnly !== true, 15000);
    assert.equal(api.model.get(s2)?.readOnly, false);
  });

  test('a terminal drives, VS Code asks: a window follows a foreground `flink-mesos session start` read-only, scales and stops it', async () => {
    const name = `cli${stamp}`;
    const main = path.resolve(__dirname, '../../src/core/cli/main.js');
    const child = spawn(process.execPath, [main, 'session', 'start', '-m', masterOf(cluster), '-n', '1', '-tm', '1024', '-jm', '1024', '--flink-home', cluster.flinkHome, '--name', name, '--store', store2.dir],
      { env: { ...process.env, FLINK_MESOS_TIMINGS: JSON.stringify(FAST) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)));
    try {
      await waitUntil('the terminal session runs', () => /Press Ctrl-C/.test(out), 60000);
      const m3 = new SessionManager(new SessionModel(), api.logger, 2000);
      const launcher3 = new MesosSessionLauncher(store2, api.logger, FAST);
      m3.adoptMesosSession(name, await launcher3.reattach(name, () => Promise.resolve(undefined)));
      await waitUntil('followed read-only', () => m3.model.get(name)?.readOnly === true && m3.model.get(name)?.phase === 'running', 15000);
      const frameworkId = m3.model.get(name)?.frameworkId ?? '';
      await m3.scale(name, 2);
      await waitUntil('the terminal scaled to 2', async () => (await liveTasks(cluster, frameworkId)).length === 3, 30000);
      await waitUntil('the terminal says so', () => /TaskManagers: 2 of 2 registered/.test(out), 10000);
      await m3.stop(name);
      assert.equal(await exited, 0, out);
      assert.match(out, /Session stopped\./);
      assert.deepEqual(await liveTasks(cluster, frameworkId), []);
      assert.equal((await frameworksWithId(cluster, frameworkId)).length, 0, 'the window never subscribed as the framework');
      m3.dispose();
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  test('Forget in the tree: a session whose master no longer knows its framework shows gone and is forgotten', async () => {
    const name = `gone${stamp}`;
    const now = Date.now();
    const shared = new FileSessionStore(api.sessionStoreDir);
    await shared.save({
      version: 1, name, masters: masterOf(cluster), frameworkId: `no-such-${stamp}`, phase: 'running', options: { name, master: masterOf(cluster), failoverTimeoutSeconds: 60 } as never,
      flinkConfiguration: {}, tasks: [], wantedTaskManagers: 1, nextTaskManagerNumber: 1, startedAt: now, updatedAt: now,
      owner: { id: 'elsewhere', pid: process.pid, host: os.hostname(), heartbeatAt: now },
    });
    const launcher = new MesosSessionLauncher(shared, api.logger, FAST);
    api.manager.adoptMesosSession(name, await launcher.reattach(name, () => Promise.resolve(undefined)));
    await waitUntil('shown gone', () => api.model.get(name)?.phase === 'gone', 15000);
    assert.match(String(rootItem(api, name)?.contextValue), /^session\.gone/);
    assert.match(String(rootItem(api, name)?.description), /gone/);
    // The other client ends (its lease released): only then may the session be forgotten.
    const saved = await shared.load(name);
    if (saved) { delete saved.owner; await shared.save(saved); }
    await vscode.commands.executeCommand('flinkMesos.session.forget', { session: name, confirm: false });
    assert.equal(fs.existsSync(path.join(api.sessionStoreDir, `${name}.json`)), false, 'the record is gone');
    assert.equal(api.model.get(name), undefined);
    assert.match(api.logger.recentLines.join('\n'), new RegExp(`Forgot session ${name}: The master at .* does not know framework no-such-${stamp}`));
  });

  test('the master unreachable for longer than the backoff cap: the tree says "disconnected, retrying", nothing blocks, and the session recovers', async () => {
    const frameworkId = api.model.get(s2)?.frameworkId ?? '';
    const tasks = await liveTasks(cluster, frameworkId);
    const downMs = FAST.backoffMaxMs * 5;
    const outage = cluster.faults.restartMaster(downMs);
    await waitUntil('disconnected in the model', () => api.model.get(s2)?.phase === 'disconnected', 5000);
    assert.match(String(rootItem(api, s2)?.description), /disconnected, retrying/);
    assert.match(api.statusBar.text, /disconnected/);
    const during = await withEventLoopLag(async () => {
      await vscode.commands.executeCommand('flinkMesos.refresh');
      await vscode.commands.executeCommand('flinkMesos.session.showResources', { session: s2 });
    });
    assert.ok(during.elapsedMs < 3000, `commands took ${during.elapsedMs} ms while the master was down`);
    assert.ok(during.maxLagMs < 500, `the extension host was blocked for ${during.maxLagMs} ms`);
    await outage;
    await waitUntil('running again', () => api.model.get(s2)?.phase === 'running', 30000);
    assert.match(String(rootItem(api, s2)?.description), /^running/);
    await waitUntil('subscribed again on the master', async () => (await frameworksWithId(cluster, frameworkId))[0]?.connected, 10000);
    assert.equal((await frameworksWithId(cluster, frameworkId)).length, 1);
    assert.deepEqual(await liveTasks(cluster, frameworkId), tasks, 'no task lost, none duplicated');
    for (const p of api.panels.all()) p.dispose();
  });

  test('two windows: once the first detaches, the second takes the session over with the same framework and tasks', async () => {
    const frameworkId = api.model.get(s2)?.frameworkId ?? '';
    const tasks = await liveTasks(cluster, frameworkId);
    await api.manager.detach(s2);
    assert.equal(api.manager.has(s2), false);
    const launcher2 = new MesosSessionLauncher(store2, api.logger, FAST);
    const m2 = manager2 as SessionManager;
    m2.remove(s2);
    m2.adoptMesosSession(s2, await launcher2.reattach(s2, () => Promise.resolve(undefined)));
    await waitUntil('running in the second window', () => m2.model.get(s2)?.phase === 'running', 30000);
    assert.equal(m2.model.get(s2)?.frameworkId, frameworkId);
    await waitUntil('subscribed on the master', async () => (await frameworksWithId(cluster, frameworkId))[0]?.connected, 10000);
    assert.equal((await frameworksWithId(cluster, frameworkId)).length, 1);
    assert.deepEqual(await liveTasks(cluster, frameworkId), tasks);
    await m2.stop(s2);
    m2.remove(s2);
    assert.deepEqual(await liveTasks(cluster, frameworkId), []);
  });
});
