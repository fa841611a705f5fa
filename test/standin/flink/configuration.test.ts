import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfiguration, parseCommandLine, parseDuration, parseFlatFlinkConf, parseMemorySize, parseNestedConfigYaml, parsePortRange } from './standinConfiguration';
import { tokenizeProgramArgs } from './JobManager';
import { countWords, tokenize } from './programs';
import { taskExecutorMemory } from './taskExecutorMemory';
import { ConfigReader } from './standinConfiguration';

describe('stand-in configuration and command line', () => {
  test('command line: start-foreground, -D key=value, -Dkey=value, --configDir', () => {
    const cli = parseCommandLine(['start-foreground', '--configDir', '/c', '-D', 'rest.port=0', '-Djobmanager.rpc.address=10.0.0.1', '-Dx=a=b']);
    assert.equal(cli.action, 'start-foreground');
    assert.equal(cli.configDir, '/c');
    assert.deepEqual(cli.dynamicProperties, { 'rest.port': '0', 'jobmanager.rpc.address': '10.0.0.1', x: 'a=b' });
    assert.throws(() => parseCommandLine(['-D']), /-D needs a key=value pair/);
    assert.throws(() => parseCommandLine(['-Dnovalue']), /not of the form key=value/);
    assert.throws(() => parseCommandLine(['--bogus']), /Unknown option "--bogus"/);
  });

  test('flink-conf.yaml is flat key: value with comments; config.yaml is nested YAML, flattened', () => {
    const warnings: string[] = [];
    assert.deepEqual(parseFlatFlinkConf('# c\nrest.port: 8081  # port\njobmanager.rpc.address: host\nbroken line\n', 'f', (w) => warnings.push(w)), { 'rest.port': '8081', 'jobmanager.rpc.address': 'host' });
    assert.match(warnings[0], /f:4/);
    assert.deepEqual(parseNestedConfigYaml('rest:\n  port: 8081\nenv:\n  java:\n    opts: ["-Xmx1g", "-Da=b"]\nflag: true\n', 'c'), { 'rest.port': '8081', 'env.java.opts': '-Xmx1g;-Da=b', flag: 'true' });
    assert.throws(() => parseNestedConfigYaml('a: [1, 2', 'bad.yaml'), /Could not parse bad.yaml as YAML/);
  });

  test('which file is read follows the emulated release; -D wins', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flink-standin-conf-'));
    try {
      fs.writeFileSync(path.join(dir, 'flink-conf.yaml'), 'rest.port: 1111\nfrom: legacy\n');
      fs.writeFileSync(path.join(dir, 'config.yaml'), 'rest:\n  port: 2222\nfrom: standard\n');
      const warn: string[] = [];
      const v119 = loadConfiguration(dir, {}, (w) => warn.push(w));
      assert.equal(v119.configuration.from, 'legacy', '1.19 prefers a legacy flink-conf.yaml when present');
      assert.match(warn.join('\n'), /Both .* exist/);
      assert.equal(loadConfiguration(dir, { 'standin.flink-version': '2.0.0' }).configuration.from, 'standard');
      assert.equal(loadConfiguration(dir, { 'standin.flink-version': '1.13.6' }).configuration['rest.port'], '1111');
      assert.equal(loadConfiguration(dir, { 'rest.port': '0' }).configuration['rest.port'], '0');
      fs.rmSync(path.join(dir, 'flink-conf.yaml'));
      assert.equal(loadConfiguration(dir, {}).configuration['rest.port'], '2222');
      assert.throws(() => loadConfiguration(dir, { 'standin.flink-version': 'latest' }), /not a Flink version/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('sizes, durations and port ranges as Flink writes them', () => {
    assert.equal(parseMemorySize('1728m'), 1728 * 1024 * 1024);
    assert.equal(parseMemorySize('2 gb'), 2 * 1024 ** 3);
    assert.equal(parseMemorySize('1024'), 1024);
    assert.throws(() => parseMemorySize('lots'), /not a memory size/);
    assert.equal(parseDuration('50 s'), 50000);
    assert.equal(parseDuration('300000'), 300000);
    assert.equal(parseDuration('5 min'), 300000);
    assert.deepEqual(parsePortRange('50100-50102,50200', 'rest.port'), [50100, 50101, 50102, 50200]);
    assert.throws(() => parsePortRange('x', 'rest.port'), /rest.port/);
  });

  test('TaskManager memory model from taskmanager.memory.process.size', () => {
    const m = taskExecutorMemory(new ConfigReader({}));
    assert.equal(m.totalProcessMemory, 1728 * 1024 * 1024);
    assert.equal(m.jvmMetaspace + m.jvmOverhead + m.totalFlinkMemory, m.totalProcessMemory);
    assert.equal(m.frameworkHeap + m.taskHeap + m.frameworkOffHeap + m.taskOffHeap + m.networkMemory + m.managedMemory, m.totalFlinkMemory);
    assert.throws(() => taskExecutorMemory(new ConfigReader({ 'taskmanager.memory.process.size': '600m' })), /raise taskmanager.memory.process.size/);
  });

  test("Flink's regex split of programArgs, and WordCount's tokenizer", () => {
    assert.deepEqual(tokenizeProgramArgs('--input "a b" --x \'c d\'  e'), ['--input', 'a b', '--x', 'c d', 'e']);
    assert.deepEqual(tokenize("Licensor's WORK, (the) -- don't_stop"), ['licensor', 's', 'work', 'the', 'don', 't_stop']);
    assert.deepEqual([...countWords('a b\nA, c')], [['a', 2], ['b', 1], ['c', 1]]);
  });
});
