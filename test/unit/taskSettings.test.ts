// The task settings and profile keys map to the same session options as the command line's flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pickTaskSettings, rolesSetting, taskOptionsInput } from '../../src/settings/taskSettings';
import { parseSessionStartArgs, validateSessionOptions } from '../../src/core/session/SessionOptions';
import { placementPorts } from '../../src/session/sessionViews';

const base = { master: 'm:5050', user: 'flink' };

test('settings at their defaults add nothing (a folder location is not refused over container options)', () => {
  const defaults = {
    taskManagerDiskMb: 0, taskManagerGpus: 0, fetchUris: [], environment: {}, bootstrapCommand: '', portAssignments: [], taskManagerHostname: '',
    containerizer: 'docker' as const, imageFlinkHome: '/opt/flink', dockerForcePull: false, dockerVolumes: [], dockerParameters: [], dockerNetwork: 'HOST',
  };
  assert.deepEqual(taskOptionsInput(defaults), {});
  assert.doesNotThrow(() => validateSessionOptions({ ...base, flink: { kind: 'home', path: '/opt/flink' }, ...taskOptionsInput(defaults) }));
});

test('settings give the same task options as the equivalent flags', () => {
  const fromSettings = validateSessionOptions({
    ...base, flink: { kind: 'docker', image: 'flink:2.0' }, ...rolesSetting('flink, analytics'),
    ...taskOptionsInput({
      taskManagerDiskMb: 2048, taskManagerGpus: 1, fetchUris: ['https://r/a.jks,no-extract'], environment: { A: 'b' }, bootstrapCommand: 'true',
      portAssignments: ['metrics.reporter.prom.port'], taskManagerHostname: '_TASK_.mesos', containerizer: 'mesos', imageFlinkHome: '/flink',
      dockerForcePull: true, dockerVolumes: ['/a:/a:ro'],
    }),
  }).options;
  const { input } = parseSessionStartArgs(['--mesos-image', 'flink:2.0', '--role', 'flink,analytics', '-tmd', '2048', '-tmg', '1', '--uri', 'https://r/a.jks,no-extract',
    '--env', 'A=b', '--bootstrap-command', 'true', '--port-assignment', 'metrics.reporter.prom.port', '--task-manager-hostname', '_TASK_.mesos',
    '--image-flink-home', '/flink', '--docker-force-pull', '--docker-volume', '/a:/a:ro', '-m', 'm:5050', '--user', 'flink']);
  const fromFlags = validateSessionOptions(input).options;
  assert.deepEqual(fromSettings.taskOptions, fromFlags.taskOptions);
  assert.deepEqual(fromSettings.roles, ['flink', 'analytics']);
  assert.deepEqual(fromFlags.roles, ['flink', 'analytics']);
});

test('a profile\'s task keys are picked; "*" or an empty role setting is the default role', () => {
  assert.deepEqual(pickTaskSettings({ name: 'p', taskManagerGpus: 2, dockerNetwork: 'BRIDGE', other: 1 }), { taskManagerGpus: 2, dockerNetwork: 'BRIDGE' });
  assert.deepEqual(rolesSetting('*'), {});
  assert.deepEqual(rolesSetting(''), {});
  assert.deepEqual(rolesSetting('flink'), { role: 'flink' });
});

test('Session Resources lists a task\'s own ports and its port-assignment keys by name', () => {
  assert.deepEqual(placementPorts({ rpc: 31000, data: 31001, 'metrics.reporter.prom.port': 31002 }), { ports: [31000, 31001], assignedPorts: { 'metrics.reporter.prom.port': 31002 } });
  assert.deepEqual(placementPorts({ rpc: 31000, rest: 31001, blob: 31002 }), { ports: [31000, 31001, 31002] });
});
