// Periodic savepoints in the extension host against the Mesos and Flink stand-ins: the setting's default applies to a
// job submitted here, this window (which drives the session) takes them, the Job panel lists them with their kind,
// and Periodic Savepoints… on the job stops them or changes keep and disposal.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FlinkMesosApi } from '../../src/extension';
import type { SavepointEntry, SavepointSchedule } from '../../src/core/session/SavepointHistoryStore';
import type { JobResultPanel } from '../../src/webviews/JobResultPanel';
import { MesosCluster } from '../standin/mesos/MesosCluster';
import { STREAMING_CLASS, buildJar } from '../fixtures/jars';
import { QuickInputDriver } from './quickInputDriver';
import { extensionApi, waitUntil } from './suiteHelpers';

const onDisk = (location: string): boolean => fs.existsSync(path.join(location.replace(/^file:/, ''), '_metadata'));

suite('Periodic savepoints', function () {
  this.timeout(120000);
  let cluster: MesosCluster;
  let api: FlinkMesosApi;
  let tmp: string;
  const ui = new QuickInputDriver();
  const stamp = Date.now().toString(36);
  const name = `periodic${stamp}`;
  let streamingJar = '';
  let jobId = '';
  const cfg = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('flinkMesos');
  const periodic = async (): Promise<SavepointEntry[]> => (await api.manager.streaming!.savepoints(name)).filter(e => e.jobId === jobId && e.kind === 'periodic');

  suiteSetup(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fom-periodic-suite-'));
    cluster = await MesosCluster.start({ agents: 2, heartbeatSeconds: 1, allocationIntervalMs: 100, updateRetryMs: 1000 });
    api = await extensionApi();
    api.sessionCommands.ui = ui;
    api.jobCommands.ui = ui;
    await cfg().update('pollingIntervalSeconds', 0.5, vscode.ConfigurationTarget.Global);
    await cfg().update('profiles', {
      [`p-${stamp}`]: {
        name, master: cluster.masterUrls.map(u => u.replace(/^http:\/\//, '')).join(','), taskManagers: 1, slotsPerTaskManager: 2, taskManagerMemoryMb: 1024,
        taskManagerCpus: 1, jobManagerMemoryMb: 1024, jobManagerCpus: 1, flinkLocation: cluster.flinkHome,
        dynamicProperties: [`state.savepoints.dir=file://${path.join(tmp, 'savepoints')}`, 'standin.savepoint-delay-ms=30'],
      },
    }, vscode.ConfigurationTarget.Global);
    streamingJar = await buildJar(path.join(tmp, 'Streaming.jar'), { mainClass: STREAMING_CLASS });
    const started = vscode.commands.executeCommand<{ phase: string } | undefined>('flinkMesos.session.start');
    (await ui.nextPick()).pick(new RegExp(`p-${stamp}`));
    const view = await started;
    assert.equal(view?.phase, 'running', `the start failed: ${api.logger.shownErrors.slice(-1)[0] ?? '(no error shown)'}`);
  });

  suiteTeardown(async () => {
    for (const p of api?.panels.all() ?? []) p.dispose();
    if (api?.manager.has(name)) await api.manager.stop(name).catch(() => undefined);
    for (const key of ['profiles', 'periodicSavepoints.interval', 'periodicSavepoints.keep', 'periodicSavepoints.disposeOld', 'pollingIntervalSeconds']) {
      await cfg().update(key, undefined, vscode.ConfigurationTarget.Global);
    }
    await cluster?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('flinkMesos.periodicSavepoints.* applies to a submitted job; this window takes them; beyond keep they are retired, not deleted; the Job panel lists them', async () => {
    await cfg().update('periodicSavepoints.interval', '1s', vscode.ConfigurationTarget.Global);
    await cfg().update('periodicSavepoints.keep', 1, vscode.ConfigurationTarget.Global);
    const submit = vscode.commands.executeCommand<string | undefined>('flinkMesos.jar.submit', vscode.Uri.file(streamingJar));
    (await ui.nextPick()).pick(STREAMING_CLASS);
    (await ui.nextBox('Program arguments')).answer('');
    (await ui.nextBox('Parallelism')).answer('1');
    (await ui.nextBox('savepoint')).answer('');
    jobId = (await submit) ?? '';
    assert.ok(jobId, `submit failed: ${api.logger.shownErrors.slice(-1)[0]}`);
    const schedule = (await api.manager.streaming!.schedules(name)).find(s => s.jobId === jobId);
    assert.deepEqual([schedule?.intervalMs, schedule?.keep, schedule?.disposeOld], [1000, 1, false]);
    // The runner checks every 5 s.
    const taken = await waitUntil('3 periodic savepoints', async () => { const p = await periodic(); return p.length >= 3 ? p : undefined; }, 60000);
    assert.equal(taken[0].retiredAt, undefined);
    assert.ok(taken.slice(1).every(e => e.retiredAt !== undefined && e.disposedAt === undefined && onDisk(e.path)), 'older ones retired and still on disk');
    const panel = api.panels.get({ kind: 'jobResult', session: name, id: jobId }) as JobResultPanel | undefined;
    assert.ok(panel, 'the Job panel is open');
    await waitUntil('the panel lists them by kind', () => {
      const p = panel.lastPosted;
      return p?.kind === 'jobResult' && p.data.savepoints?.some(s => s.kind === 'periodic') && p.data.savepoints.some(s => s.kind === 'periodic (retired)');
    }, 30000);
  });

  test('Periodic Savepoints… on the job: keep 1 and dispose the older ones; then an empty interval stops them and keeps what was taken', async () => {
    const set = await vscode.commands.executeCommand<SavepointSchedule | undefined>('flinkMesos.job.periodicSavepoints', { session: name, jobId, interval: '1s', keep: 1, disposeOld: true });
    assert.equal(set?.disposeOld, true, `the command failed: ${api.logger.shownErrors.slice(-1)[0]}`);
    const disposed = await waitUntil('the older ones disposed', async () => {
      const p = await periodic();
      return p.length >= 4 && p.slice(1).every(e => e.disposedAt !== undefined) ? p : undefined;
    }, 60000);
    assert.ok(onDisk(disposed[0].path), 'the newest stays');
    assert.ok(disposed.slice(1).every(e => !onDisk(e.path)), 'the disposed ones are gone from disk');
    await vscode.commands.executeCommand('flinkMesos.job.periodicSavepoints', { session: name, jobId, interval: '' });
    assert.deepEqual((await api.manager.streaming!.schedules(name)).map(s => s.jobId), []);
    assert.ok(onDisk((await periodic())[0].path), 'stopping keeps the savepoints taken');
  });
});
