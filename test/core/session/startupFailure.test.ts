// Flink's startup failures as its scripts print them (texts from real Flink 2.3.0 and 1.13.6 runs), diagnosed.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { diagnoseStartupOutput } from '../../../src/core/session/startupFailure';

describe('diagnoseStartupOutput', () => {
  test('a memory model Flink refuses: its own sentence, and the memory fix', () => {
    const out = '[ERROR] Could not get JVM parameters and dynamic configurations properly.\n[ERROR] Raw output from BashJavaUtils:\n' +
      'INFO  [] - Loading configuration property: taskmanager.memory.process.size, 1728m\n' +
      'Exception in thread "main" org.apache.flink.configuration.IllegalConfigurationException: TaskManager memory configuration failed: Sum of configured JVM Metaspace (700.000mb (734003200 bytes)) and JVM Overhead (192.000mb (201326592 bytes)) exceed configured Total Process Memory (1024.000mb (1073741824 bytes)).\n' +
      '\tat org.apache.flink.runtime.util.bash.BashJavaUtils.main(BashJavaUtils.java:69)\n';
    const d = diagnoseStartupOutput(out)!;
    assert.equal(d.configuration, true);
    assert.match(d.problem, /^Flink refused its configuration: TaskManager memory configuration failed: Sum of configured JVM Metaspace .* exceed configured Total Process Memory/);
    assert.match(d.fix, /-tm MB/);
  });

  test('an option Flink rejects: the option fix', () => {
    const d = diagnoseStartupOutput('Caused by: java.lang.IllegalArgumentException: Could not parse value \'lots\' for key \'taskmanager.numberOfTaskSlots\'.\n')!;
    assert.equal(d.problem, 'Flink refused its configuration: Could not parse value \'lots\' for key \'taskmanager.numberOfTaskSlots\'.');
    assert.match(d.fix, /Correct or remove that option/);
  });

  test('our own "not a distribution" line; a missing entry point class; ordinary output is no diagnosis', () => {
    assert.equal(diagnoseStartupOutput('flink-mesos: /tmp/x is not a Flink distribution (it has no bin/jobmanager.sh): pass ...\n')!.problem,
      '/tmp/x is not a Flink distribution (it has no bin/jobmanager.sh): pass ...');
    assert.match(diagnoseStartupOutput('Error: Could not find or load main class org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint\n')!.problem,
      /could not load Flink's entry point org\.apache\.flink\.runtime\.entrypoint\.StandaloneSessionClusterEntrypoint/);
    assert.equal(diagnoseStartupOutput('Starting taskexecutor as a console application on host vm.\n'), undefined);
  });
});
