// `npm start`'s options: real Flink (the newest tested 2.x) unless --flink says the stand-in or another tested version.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_DEMO_FLINK, REAL_FLINK_SESSION_SETTINGS, parseFlinkChoice } from '../harness/demoFlink';
import { NEWEST_REAL_FLINK } from '../harness/realFlink';
import { parseArgs } from '../harness/startDemo';
import { MIN_JOB_MANAGER_MEMORY_MB, MIN_TASK_MANAGER_MEMORY_MB } from '../../src/core/session/SessionOptions';

test('npm start runs the newest tested real Flink, a 2.x, by default', () => {
  assert.deepEqual(parseArgs([]).flink, { kind: 'real', version: NEWEST_REAL_FLINK });
  assert.equal(DEFAULT_DEMO_FLINK.kind, 'real');
  assert.match(NEWEST_REAL_FLINK, /^2\./);
});

test('--flink picks the stand-in or another tested version, in either spelling', () => {
  assert.deepEqual(parseArgs(['--flink', 'standin']).flink, { kind: 'standin' });
  assert.deepEqual(parseArgs(['--flink=1.20.5', '--agents', '2']), { port: 0, agents: 2, cluster: true, flink: { kind: 'real', version: '1.20.5' } });
  assert.deepEqual(parseFlinkChoice('1.13.6'), { kind: 'real', version: '1.13.6' });
});

test('--flink with an untested version or nothing names the choices', () => {
  assert.throws(() => parseArgs(['--flink', '1.17.0']), /--flink 1\.17\.0: not a tested Flink version; use one of 2\.3\.0, 1\.20\.5, 1\.13\.6 or "standin"/);
  assert.throws(() => parseArgs(['--flink']), /--flink needs "standin" or a version/);
  assert.throws(() => parseArgs(['--flnk', 'standin']), /unknown option "--flnk"; use .*--flink standin\|VERSION/);
});

test('the demo sizes are the smallest real Flink\'s memory model accepts', () => {
  assert.equal(REAL_FLINK_SESSION_SETTINGS['flinkMesos.taskManagerMemoryMb'], MIN_TASK_MANAGER_MEMORY_MB);
  assert.equal(REAL_FLINK_SESSION_SETTINGS['flinkMesos.jobManagerMemoryMb'], MIN_JOB_MANAGER_MEMORY_MB);
});
