// The VS Code layer inside a real extension host, against the Mesos and Flink stand-ins started in this process:
// a session started through the launcher the Start Session command uses, the tree, the panels' message protocol,
// log documents, the status bar, redaction, and a WordCount job end to end.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FlinkMesosApi } from '../../src/extension';
import { FileSessionStore } from '../../src/core/session/SessionStore';
import { MesosSessionLauncher } from '../../src/session/MesosSessionLauncher';
import type { SessionTreeNode } from '../../src/tree/SessionTreeDataProvider';
import type { JobResultData, TaskManagerData } from '../../src/webviews/protocol';
import { parseWebviewMessage } from '../../src/webviews/protocol';
import type { SessionSettings } from '../../src/settings/extensionSettings';
import { MesosCluster } from '../standin/mesos/MesosCluster';
import { WORDCOUNT_CLASS, buildJar, writeLicenseText } from '../fixtures/jars';
import { extensionApi, waitUntil } from './suiteHelpers';

const FAST = {
  flinkPollMs: 150, runningPollMs: 500, reconcileInitialMs: 300, reconcileMaxMs: 2000, subscribeTimeoutMs: 8000,
  stopVerifyTimeoutMs: 10000, leaseHeartbeatMs: 300, leaseStaleMs: 3000, tickMs: 200, launchReconcileMs: 5000,
  heartbeatMissedIntervals: 3, backoffInitialMs: 100, backoffMaxMs: 1000, callTimeoutMs: 3000, connectTimeoutMs: 2000, flinkTimeoutMs: 2000,
};

suite('Flink on Mesos UI layer against the stand-ins', function () {
  this.timeout(120000);
  let cluster: MesosCluster;
  let api: FlinkMesosApi;
  let tmp: string;
  const name = `ui${Date.now().toString(36)}`;
  let jobId = '';
  let outputFile = '';

  suiteSetup(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fom-ui-suite-'));
    cluster = await MesosCluster.start({ agents: 3, heartbeatSeconds: 1, allocationIntervalMs: 100, updateRetryMs: 1000 });
    api = await extensionApi();
    await vscode.workspace.getConfiguration('flinkMesos').update('pollingIntervalSeconds', 0.5, vscode.ConfigurationTarget.Global);
  });

  suiteTeardown(async () => {
    for (const p of api?.panels.all() ?? []) p.dispose();
    if (api?.manager.has(name)) await api.manager.stop(name).catch(() => undefined);
    await cluster?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('a session started through the launcher shows 3 registered TaskManagers in the tree', async () => {
    const launcher = new MesosSessionLauncher(new FileSessionStore(path.join(tmp, 'store')), api.logger, FAST);
    const settings: SessionSettings = {
      name, master: cluster.masterUrls.map(u => u.replace(/^http:\/\//, '')).join(','), taskManagers: 3, slotsPerTaskManager: 2,
      taskManagerMemoryMb: 1024, taskManagerCpus: 1, jobManagerMemoryMb: 1024, jobManagerCpus: 1, flinkLocation: cluster.flinkHome,
      configDir: '', dynamicProperties: [], webUi: true, role: '*', failoverTimeoutSeconds: 3600, constraints: [], resourceWaitTimeoutSeconds: 60, verbose: false,
    };
    const phases: string[] = [];
    const handle = await launcher.start(settings, undefined, { report: m => phases.push(m) }, new vscode.CancellationTokenSource().token);
    api.manager.adoptMesosSession(name, handle);
    assert.ok(phases.length > 0, 'the progress notification got no phase');
    const tree = api.tree;
    const view = await waitUntil('3 registered TaskManagers', async () => {
      await api.manager.refresh(name);
      const v = api.model.get(name);
      return v && v.taskManagers.filter(t => t.registered).length === 3 ? v : undefined;
    });
    assert.equal(view.phase, 'running');
    assert.equal(view.slotsTotal, 6);
    const root = tree.getChildren().find(n => n.session === name) as SessionTreeNode;
    const rootItem = tree.getTreeItem(root);
    assert.match(String(rootItem.contextValue), /^session\.running$/);
    const kids = tree.getChildren(root);
    assert.deepEqual(kids.map(k => k.kind), ['jobManager', 'taskManagers', 'slots', 'jobs', 'jars']);
    const tmGroup = tree.getTreeItem(kids[1]);
    // Free slots change on every poll: they live in their own leaf, so the TaskManagers group is not refreshed for them.
    assert.match(String(tmGroup.description), /^3\/3$/);
    assert.match(String(tree.getTreeItem(kids[2]).description), /^6\/6 free$/);
    const tms = tree.getChildren(kids[1]);
    assert.equal(tms.length, 3);
    const hosts = new Set(tms.map(t => String(tree.getTreeItem(t).label)));
    assert.equal(hosts.size, 3, 'the 3 TaskManagers should sit on 3 agents');
    for (const t of tms) {
      const item = tree.getTreeItem(t);
      assert.equal(item.contextValue, 'taskManager.mesos');
      assert.match(String(item.description), /TASK_RUNNING · registered · 2\/2 slots free/);
      assert.equal(item.tooltip, undefined, 'tooltips are built on hover (resolveTreeItem), not on every refresh');
      const tooltip = tree.resolveTreeItem(item, t).tooltip;
      assert.ok(tooltip instanceof vscode.MarkdownString);
      assert.match(tooltip.value, /Slots: 2(&nbsp;| )free(&nbsp;| )of(&nbsp;| )2/);
      assert.equal(tooltip.isTrusted, false);
      assert.equal(tooltip.supportHtml, false);
    }
    assert.match(api.statusBar.text, new RegExp(`${name}: running · TM 3/3 · slots 6/6`));
    // The user the tasks run as: the operating-system user by default (flinkMesos.user empty), shown on hover.
    const rootTooltip = tree.resolveTreeItem(rootItem, root).tooltip;
    assert.ok(rootTooltip instanceof vscode.MarkdownString);
    assert.match(rootTooltip.value, new RegExp(`Runs(&nbsp;| )as(&nbsp;| )user: ${os.userInfo().username}`));
  });

  test('only part of a session fits: the fit timeout asks with buttons; "Keep" goes on with the TaskManagers that fit', async () => {
    const launcher = new MesosSessionLauncher(new FileSessionStore(path.join(tmp, 'store-fit')), api.logger, FAST);
    const fitName = `${name}fit`;
    // 12000 MB TaskManagers: one per agent fits beside what is running, so 3 of the 5 asked for are placed.
    const settings: SessionSettings = {
      name: fitName, master: cluster.masterUrls.map(u => u.replace(/^http:\/\//, '')).join(','), taskManagers: 5, slotsPerTaskManager: 1,
      taskManagerMemoryMb: 12000, taskManagerCpus: 1, jobManagerMemoryMb: 1024, jobManagerCpus: 1, flinkLocation: cluster.flinkHome,
      configDir: '', dynamicProperties: [], webUi: true, role: '*', failoverTimeoutSeconds: 3600, constraints: [], resourceWaitTimeoutSeconds: 2, verbose: false,
    };
    const window = vscode.window as unknown as { showWarningMessage: (...args: unknown[]) => Promise<unknown> };
    const original = window.showWarningMessage;
    const asked: unknown[][] = [];
    window.showWarningMessage = async (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].startsWith(`Session ${fitName}: only`)) { asked.push(args); return args[1]; }
      return original.apply(vscode.window, args);
    };
    try {
      const handle = await launcher.start(settings, undefined, { report: () => undefined }, new vscode.CancellationTokenSource().token);
      try {
        assert.equal(asked.length, 1, 'asked once');
        assert.match(String(asked[0][0]), new RegExp(`^Session ${fitName}: only 3 of 5 TaskManagers fit within 2 s\\. The session needs 12000 MB .* the offers now`));
        assert.deepEqual(asked[0].slice(1), ['Keep 3 TaskManagers', 'Stop the session']);
        const view = handle.snapshot();
        assert.equal(view.phase, 'running');
        assert.equal(view.taskManagersWanted, 3);
      } finally {
        await handle.stop();
        handle.dispose();
      }
    } finally {
      window.showWarningMessage = original;
    }
  });

  test('the tree fires nothing when a poll changes nothing', async () => {
    await api.manager.refresh(name);
    let fired = 0;
    const sub = api.tree.onDidChangeTreeData(() => fired++);
    try {
      api.tree.setClock(() => Date.now());
      // Render every node once so the provider knows what it showed, then poll again twice.
      const walk = (n?: SessionTreeNode): void => { for (const c of api.tree.getChildren(n)) { api.tree.getTreeItem(c); walk(c); } };
      walk();
      fired = 0;
      const before = JSON.stringify(api.model.get(name)?.jobs);
      await api.manager.refresh(name);
      await api.manager.refresh(name);
      if (JSON.stringify(api.model.get(name)?.jobs) === before) assert.ok(fired <= 1, `onDidChangeTreeData fired ${fired} times for unchanged data`);
    } finally {
      sub.dispose();
    }
  });

  test('a WordCount jar submitted to the session finishes, its Job Result panel shows FINISHED, and the output holds the counts', async () => {
    const jar = await buildJar(path.join(tmp, 'WordCount.jar'), { mainClass: WORDCOUNT_CLASS });
    const input = writeLicenseText(path.join(tmp, 'LICENSE.txt'));
    outputFile = path.join(tmp, 'wordcount-out');
    let lastSent = 0;
    jobId = await api.manager.submit(name, { jarPath: jar, entryClass: WORDCOUNT_CLASS, args: ['--input', input, '--output', outputFile], parallelism: 1 }, s => { lastSent = s; });
    assert.equal(lastSent, fs.statSync(jar).size, 'upload progress should end at the jar size');
    const panel = api.panels.show({ kind: 'jobResult', session: name, id: jobId });
    const data = await waitUntil('Job Result FINISHED', async () => {
      await panel.render();
      const p = panel.lastPosted;
      return p?.kind === 'jobResult' && p.data.state === 'FINISHED' ? p.data : undefined;
    }, 60000) as JobResultData;
    assert.ok(data.vertices.length > 0, 'no vertices');
    assert.equal(data.outputFiles.length, 1);
    assert.equal(data.outputFiles[0].exists, true);
    const files = fs.statSync(outputFile).isDirectory() ? fs.readdirSync(outputFile).map(f => path.join(outputFile, f)) : [outputFile];
    const text = files.map(f => fs.readFileSync(f, 'utf8')).join('');
    assert.match(text, /^\(license,\d+\)$/m, "the output should count \"license\"");
    // Same panel again: brought to the front, not duplicated.
    assert.equal(api.panels.show({ kind: 'jobResult', session: name, id: jobId }), panel);
    await waitUntil('the job in the tree', () => api.model.get(name)?.jobs.find(j => j.id === jobId && j.state === 'FINISHED'));
  });

  test('the Job Result panel acts only on validated, allow-listed requests', async () => {
    const panel = api.panels.get({ kind: 'jobResult', session: name, id: jobId });
    assert.ok(panel);
    const refusedBefore = panel.refusedMessages;
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const hostile of [
      { type: 'request', requestId: 1, request: { action: 'openFile', path: '/etc/passwd' } },
      { type: 'request', requestId: 2, request: { action: 'openOutputFile', index: 0, path: '/etc/passwd' } },
      { type: 'request', requestId: 3, request: { action: 'openExternal', url: 'https://example.com' } },
      { type: 'request', requestId: -1, request: { action: 'refresh' } },
      { type: 'request', requestId: 4, request: { action: 'showLogs', log: '../../etc/passwd' } },
      'not an object', null, [1, 2],
    ]) await panel.receive(hostile);
    assert.equal(panel.refusedMessages - refusedBefore, 8);
    // A well-formed request for an index the extension never offered opens nothing.
    await panel.receive({ type: 'request', requestId: 5, request: { action: 'openOutputFile', index: 7 } });
    assert.equal(vscode.window.activeTextEditor, undefined);
    // The offered index opens the output file.
    await panel.receive({ type: 'request', requestId: 6, request: { action: 'openOutputFile', index: 0 } });
    const opened = await waitUntil('the output file editor', () => vscode.window.activeTextEditor?.document.uri.fsPath);
    assert.ok(opened.startsWith(outputFile), `opened ${opened}`);
    assert.equal(parseWebviewMessage({ type: 'ready', extra: 1 }), undefined);
  });

  test('the TaskManager panel samples heap and non-heap and shows the log tail', async () => {
    const tm = api.model.get(name)?.taskManagers[0];
    assert.ok(tm);
    await vscode.commands.executeCommand('flinkMesos.taskManager.show', { session: name, taskManagerId: tm.id });
    const panel = api.panels.get({ kind: 'taskManager', session: name, id: tm.id });
    assert.ok(panel, 'Show TaskManager opened no panel');
    const data = await waitUntil('3 heap samples', async () => {
      await panel.render();
      const p = panel.lastPosted;
      return p?.kind === 'taskManager' && p.data.samples.length >= 3 ? p.data : undefined;
    }) as TaskManagerData;
    assert.ok(data.samples.every(s => s.heapUsed > 0 && s.nonHeapUsed >= 0));
    assert.ok(data.logTail.join('\n').length > 0, 'empty log tail');
    assert.equal(data.registered, true);
    assert.ok(data.stateHistory.some(h => h.state === 'TASK_RUNNING'));
  });

  test('Show Logs opens read-only documents of the Flink log and the Mesos sandbox', async () => {
    const tm = api.model.get(name)?.taskManagers[0];
    assert.ok(tm);
    const editor = await vscode.commands.executeCommand<vscode.TextEditor>('flinkMesos.logs.show', { session: name, taskManagerId: tm.id, log: 'flinkLog' });
    assert.ok(editor);
    assert.equal(editor.document.uri.scheme, 'flink-mesos-log');
    assert.ok(editor.document.getText().length > 0);
    const sandbox = await vscode.commands.executeCommand<vscode.TextEditor>('flinkMesos.logs.show', { session: name, log: 'sandboxStderr' });
    assert.ok(sandbox);
    assert.doesNotMatch(sandbox.document.getText(), /^Could not read this log/);
  });

  test('Session Resources lists the 3 agents with the tasks placed on them', async () => {
    await vscode.commands.executeCommand('flinkMesos.session.showResources', { session: name });
    const panel = api.panels.get({ kind: 'sessionResources', session: name });
    assert.ok(panel);
    const d = await waitUntil('resources data', async () => { await panel.render(); const p = panel.lastPosted; return p?.kind === 'sessionResources' ? p.data : undefined; });
    assert.equal(d.agents.length, 3);
    assert.equal(d.used.taskManagers, 3);
    assert.equal(d.agents.flatMap(a => a.tasks).filter(t => t.role === 'JobManager').length, 1);
    assert.ok(d.agents.every(a => a.tasks.every(t => t.ports.length > 0)));
  });

  test('secrets never reach the output channel', () => {
    api.logger.addSecret('s3cr3t-Passw0rd');
    const masked = api.logger.mask('POST /api/v1 Authorization: Basic dXNlcjpzM2NyM3Q= secret=s3cr3t-Passw0rd http://u:pw@host/');
    assert.doesNotMatch(masked, /s3cr3t-Passw0rd|dXNlcjpzM2NyM3Q=|:pw@/);
  });

  test('Stop Session leaves 0 tasks of ours on the master and empties the tree', async () => {
    const frameworkId = api.model.get(name)?.frameworkId;
    assert.ok(frameworkId);
    await vscode.commands.executeCommand('flinkMesos.session.stop', { session: name });
    assert.equal(api.manager.has(name), false);
    assert.equal(api.tree.getChildren().filter(n => n.session === name).length, 0);
    const tasks = await cluster.operator<{ get_tasks: Record<string, { framework_id: { value: string }; state: string }[] | undefined> }>({ type: 'GET_TASKS' });
    const live = Object.values(tasks.get_tasks ?? {}).flatMap(l => l ?? []).filter(t => t.framework_id.value === frameworkId && !/FINISHED|FAILED|KILLED|LOST|ERROR|DROPPED|GONE/.test(t.state));
    assert.equal(live.length, 0);
  });
});
