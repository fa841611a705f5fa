import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readFlinkConfiguration, parseFlinkConfiguration, FlinkConfigurationError } from '../../../src/core/flink/flinkConfiguration';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flinkconf-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function folder(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(tmp, 'c-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

describe('readFlinkConfiguration', () => {
  test('flat flink-conf.yaml', () => {
    const dir = folder({ 'flink-conf.yaml': '# comment\njobmanager.rpc.address: localhost\ntaskmanager.numberOfTaskSlots: 4\nstate.backend.incremental: true\n' });
    const conf = readFlinkConfiguration(dir);
    assert.deepEqual(conf.values, { 'jobmanager.rpc.address': 'localhost', 'taskmanager.numberOfTaskSlots': '4', 'state.backend.incremental': 'true' });
    assert.equal(conf.file, path.join(dir, 'flink-conf.yaml'));
    assert.deepEqual(conf.warnings, []);
  });

  test('nested config.yaml is flattened to dotted keys; lists joined with ;', () => {
    const dir = folder({ 'config.yaml': 'jobmanager:\n  rpc:\n    address: jm\n    port: 6123\n  memory:\n    process:\n      size: 1600m\nenv:\n  java:\n    opts:\n      all: [-Xss2m, -Dx=1]\n' });
    assert.deepEqual(readFlinkConfiguration(dir).values, {
      'jobmanager.rpc.address': 'jm', 'jobmanager.rpc.port': '6123', 'jobmanager.memory.process.size': '1600m', 'env.java.opts.all': '-Xss2m;-Dx=1',
    });
  });

  test('unknown keys are warnings, not errors', () => {
    const dir = folder({ 'config.yaml': 'taskmanagr:\n  numberOfTaskSlots: 2\nparallelism.default: 3\n' });
    const conf = readFlinkConfiguration(dir);
    assert.equal(conf.values['taskmanagr.numberOfTaskSlots'], '2');
    assert.equal(conf.warnings.length, 1);
    assert.match(conf.warnings[0], /"taskmanagr.numberOfTaskSlots" is not a known Flink option/);
  });

  test('both files present: error naming both and the fix', () => {
    const dir = folder({ 'config.yaml': 'a: 1\n', 'flink-conf.yaml': 'b: 2\n' });
    assert.throws(() => readFlinkConfiguration(dir), (e: unknown) => e instanceof FlinkConfigurationError && /both flink-conf.yaml and config.yaml/.test(e.message) && /remove or rename/.test(e.message));
  });

  test('missing folder', () => {
    assert.throws(() => readFlinkConfiguration(path.join(tmp, 'nope')), /cannot be read \(it does not exist\).*-c DIR/);
  });

  test('folder without a configuration file', () => {
    assert.throws(() => readFlinkConfiguration(folder({ 'log4j.properties': '' })), /neither flink-conf.yaml nor config.yaml/);
  });

  test('a file instead of a folder', () => {
    const dir = folder({ 'config.yaml': 'a: 1\n' });
    assert.throws(() => readFlinkConfiguration(path.join(dir, 'config.yaml')), /is a file, not a folder/);
  });

  test('unreadable folder and file', { skip: process.getuid?.() === 0 ? 'root reads everything' : false }, () => {
    const dir = folder({ 'config.yaml': 'a: 1\n' });
    fs.chmodSync(path.join(dir, 'config.yaml'), 0o000);
    assert.throws(() => readFlinkConfiguration(dir), /config.yaml cannot be read \(permission denied\)/);
    fs.chmodSync(dir, 0o000);
    try {
      assert.throws(() => readFlinkConfiguration(dir), /cannot be listed \(permission denied\)/);
    } finally {
      fs.chmodSync(dir, 0o700);
    }
  });

  test('a configuration file that cannot be read as a file', () => {
    const dir = folder({});
    fs.mkdirSync(path.join(dir, 'config.yaml'));
    assert.throws(() => readFlinkConfiguration(dir), /config\.yaml cannot be read \(EISDIR\)/);
  });

  test('malformed YAML reports the file and line', () => {
    const dir = folder({ 'config.yaml': 'jobmanager:\n  rpc:\n    address: jm\n  bad: [unclosed\ntaskmanager: 1\n' });
    assert.throws(() => readFlinkConfiguration(dir), (e: unknown) => {
      assert.ok(e instanceof FlinkConfigurationError);
      assert.match(e.message, /config\.yaml:\d+: malformed YAML/);
      assert.ok(e.line !== undefined && e.line >= 4, `line ${e.line}`);
      return true;
    });
    const tab = folder({ 'flink-conf.yaml': 'a: 1\nb:\n\tc: 2\n' });
    assert.throws(() => readFlinkConfiguration(tab), /flink-conf\.yaml:3: malformed YAML/);
  });

  test('a list document is refused', () => {
    assert.throws(() => parseFlinkConfiguration('- a\n- b\n', 'config.yaml'), /expected "key: value" entries, found a list/);
  });

  test('empty file is an empty configuration', () => {
    assert.deepEqual(parseFlinkConfiguration('', 'config.yaml'), {});
  });
});
