// The launch command run by /bin/sh as the Mesos command executor would: the JobManager of a Flink before 1.14 (whose
// jobmanager.sh takes [host] [webui-port] and drops -D) gets its configuration in a sandbox flink-conf.yaml; a folder
// that is no distribution fails with a message naming the problem and the fix.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { flinkCommand } from '../../../src/core/session/flinkTasks';
import { tempDir } from './sessionHarness';

const dirs: string[] = [];
after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

/** A FLINK_HOME whose scripts print what they were given, with the usage line of the version's jobmanager.sh. */
function fakeHome(usage: string): string {
  const home = tempDir('fake-flink-');
  dirs.push(home);
  fs.mkdirSync(path.join(home, 'bin'));
  fs.mkdirSync(path.join(home, 'conf'));
  fs.writeFileSync(path.join(home, 'conf', 'flink-conf.yaml'), 'jobmanager.rpc.address: localhost\nrest.port: 8081'); // no newline at the end
  fs.writeFileSync(path.join(home, 'conf', 'log4j.properties'), 'rootLogger.level = INFO\n');
  for (const kind of ['jobmanager', 'taskmanager']) {
    fs.writeFileSync(path.join(home, 'bin', `${kind}.sh`), `#!/bin/sh\n# ${usage}\necho "args: $*"\necho "conf dir: \${FLINK_CONF_DIR:-unset}"\n` +
      '[ -n "$FLINK_CONF_DIR" ] && cat "$FLINK_CONF_DIR/flink-conf.yaml" && ls "$FLINK_CONF_DIR"\nexit 0\n', { mode: 0o755 });
  }
  return home;
}

function run(command: string): { status: number | null; stdout: string; stderr: string } {
  const sandbox = tempDir('sandbox-');
  dirs.push(sandbox);
  const r = spawnSync('/bin/sh', ['-c', command], { cwd: sandbox, env: { PATH: process.env.PATH, MESOS_SANDBOX: sandbox }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const conf = { 'jobmanager.rpc.address': '127.0.0.11', 'rest.port': '31001', 'env.java.opts.all': '-Dx=a b', 'jobmanager.bind-host': '0.0.0.0' };

describe('the launch command under /bin/sh', () => {
  test('Flink 1.13\'s jobmanager.sh: no -D words; the configuration is appended to a sandbox copy of conf/ that FLINK_CONF_DIR names', () => {
    const home = fakeHome('USAGE="Usage: jobmanager.sh ((start|start-foreground) [host] [webui-port])|stop|stop-all"');
    const r = run(flinkCommand({ kind: 'home', path: home }, 'jobmanager', conf));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^args: start-foreground$/m, 'no -D after start-foreground (1.13 would take it as the host)');
    assert.match(r.stdout, /conf dir: .*\/conf$/m);
    const lines = r.stdout.split('\n');
    const at = lines.indexOf('rest.port: 8081');
    assert.ok(at >= 0, 'the distribution\'s own settings stay');
    assert.deepEqual(lines.slice(at + 1, at + 5), ['jobmanager.rpc.address: 127.0.0.11', 'rest.port: 31001', 'env.java.opts.all: -Dx=a b', 'jobmanager.bind-host: 0.0.0.0'],
      'the session\'s settings follow on their own lines (the last value of a key wins)');
    assert.match(r.stdout, /log4j\.properties/, 'the other conf files are copied too');
  });

  test('Flink 1.14 and later: -D words, the distribution\'s conf/ untouched', () => {
    const home = fakeHome('USAGE="Usage: jobmanager.sh ((start|start-foreground) [args])|stop|stop-all"');
    const r = run(flinkCommand({ kind: 'home', path: home }, 'jobmanager', conf));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^args: start-foreground -D jobmanager.rpc.address=127.0.0.11 -D rest.port=31001 -D env.java.opts.all=-Dx=a b -D jobmanager.bind-host=0.0.0.0$/m);
    assert.match(r.stdout, /conf dir: unset/);
  });

  test('a folder that is no Flink distribution: exit 2 and a message naming the folder and the fix', () => {
    const notFlink = tempDir('not-flink-');
    dirs.push(notFlink);
    for (const kind of ['jobmanager', 'taskmanager'] as const) {
      const r = run(flinkCommand({ kind: 'home', path: notFlink }, kind, conf));
      assert.equal(r.status, 2);
      assert.equal(r.stderr.trim(), `flink-mesos: ${notFlink} is not a Flink distribution (it has no bin/${kind}.sh): ` +
        'pass --flink-home an unpacked Flink distribution (bin/, conf/, lib/) present on every agent');
    }
  });
});
