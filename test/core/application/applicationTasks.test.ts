// An application's tasks under /bin/sh as the Mesos command executor runs them: the JobManager runs standalone-job.sh
// with its -D words, the entry class, the savepoint and the program's arguments; every task (TaskManagers too) fetches
// the jar and finds it in usrlib/ beside a lib/ of FLINK_HOME's jars, running in its sandbox (the relative classpath).
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildJobManagerTask, buildTaskManagerTask } from '../../../src/core/session/flinkTasks';
import { validateSessionOptions, sessionFlinkConfiguration } from '../../../src/core/session/SessionOptions';
import type { ApplicationSpec } from '../../../src/core/application/applicationSpec';
import { diagnoseStartupOutput } from '../../../src/core/session/startupFailure';
import { tempDir } from '../session/sessionHarness';

const dirs: string[] = [];
after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

function fakeHome(): string {
  const home = tempDir('fake-flink-app-');
  dirs.push(home);
  fs.mkdirSync(path.join(home, 'bin'));
  fs.mkdirSync(path.join(home, 'lib'));
  fs.writeFileSync(path.join(home, 'lib', 'flink-dist.jar'), 'dist');
  for (const kind of ['jobmanager', 'taskmanager', 'standalone-job']) {
    fs.writeFileSync(path.join(home, 'bin', `${kind}.sh`), `#!/bin/sh\necho "script: ${kind}"\nfor a in "$@"; do echo "arg: $a"; done\n` +
      'echo "cwd: $(pwd)"\necho "lib dir: $FLINK_LIB_DIR"\necho "lib: $(ls "$FLINK_LIB_DIR")"\necho "usrlib: $(ls "$FLINK_LIB_DIR/../usrlib")"\n', { mode: 0o755 });
  }
  return home;
}

function spec(extra: Partial<ApplicationSpec> = {}): ApplicationSpec {
  return { jar: { kind: 'uri', uri: 'http://127.0.0.1:1/x/job.jar' }, fetchUri: 'http://127.0.0.1:1/x/job.jar', jarFileName: 'job.jar',
    entryClass: 'org.example.Main', args: ['--input', 'a b', "it's"], savepoint: 'file:///sp/savepoint-1', allowNonRestoredState: true, parallelism: 3, ...extra };
}

/** Runs a task's command in a fresh sandbox that holds the fetched jar, as the fetcher leaves it. */
function run(command: string): { status: number | null; stdout: string; stderr: string; sandbox: string } {
  const sandbox = tempDir('app-sandbox-');
  dirs.push(sandbox);
  fs.writeFileSync(path.join(sandbox, 'job.jar'), 'the job');
  const r = spawnSync('/bin/sh', ['-c', command], { cwd: '/', env: { PATH: process.env.PATH, MESOS_SANDBOX: sandbox }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, sandbox };
}

describe('application tasks', () => {
  const home = fakeHome();
  const validated = validateSessionOptions({ master: 'm:5050', name: 'app', taskManagers: 2, flink: { kind: 'home', path: home }, application: spec() }, { osUser: () => 'tester' });
  const taskSpec = { options: validated.options, flinkConfiguration: sessionFlinkConfiguration(validated.options, validated.flinkConfiguration) };

  test('the JobManager: standalone-job.sh with -D, --job-classname, --fromSavepoint, --allowNonRestoredState, then the program arguments as given', () => {
    const task = buildJobManagerTask(taskSpec, 'a1', '127.0.0.1', [], { rpc: 1, rest: 2, blob: 3 });
    assert.deepEqual(task.command?.uris, [{ value: 'http://127.0.0.1:1/x/job.jar', extract: false, cache: false, output_file: 'job.jar' }]);
    const r = run(task.command!.value!);
    assert.equal(r.status, 0, r.stderr);
    const args = r.stdout.split('\n').filter((l) => l.startsWith('arg: ')).map((l) => l.slice(5));
    assert.equal(r.stdout.split('\n')[0], 'script: standalone-job');
    assert.ok(args.includes('execution.shutdown-on-application-finish=false'), 'the JobManager stays for its result to be read');
    assert.ok(args.includes('parallelism.default=3'), '-p wins over the session\'s N x S');
    assert.deepEqual(args.slice(args.indexOf('--job-classname')), ['--job-classname', 'org.example.Main', '--fromSavepoint', 'file:///sp/savepoint-1', '--allowNonRestoredState', '--input', 'a b', "it's"]);
    assert.match(r.stdout, new RegExp(`cwd: ${r.sandbox}\n`), 'runs in its sandbox');
    assert.match(r.stdout, new RegExp(`lib dir: ${r.sandbox}/flink-application/lib\n`));
    assert.match(r.stdout, /lib: flink-dist\.jar\n/);
    assert.match(r.stdout, /usrlib: job\.jar\n/);
    assert.equal(fs.readlinkSync(path.join(r.sandbox, 'flink-application', 'lib', 'flink-dist.jar')), path.join(home, 'lib', 'flink-dist.jar'));
  });

  test('a TaskManager: taskmanager.sh, with the same jar fetched into the same sandbox-relative usrlib/', () => {
    const task = buildTaskManagerTask(taskSpec, 'taskmanager-app-00001', 'a1', '127.0.0.1', [], { rpc: 4, data: 5 }, { hostname: '127.0.0.1', rpcPort: 1 });
    assert.deepEqual(task.command?.uris, [{ value: 'http://127.0.0.1:1/x/job.jar', extract: false, cache: false, output_file: 'job.jar' }]);
    const r = run(task.command!.value!);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.split('\n')[0], 'script: taskmanager');
    assert.ok(!r.stdout.includes('--job-classname'));
    assert.match(r.stdout, /usrlib: job\.jar\n/);
    assert.match(r.stdout, new RegExp(`cwd: ${r.sandbox}\n`));
  });

  test('no entry class given: none is passed, Flink takes the manifest\'s; a session\'s JobManager stays jobmanager.sh', () => {
    const v = validateSessionOptions({ master: 'm:5050', name: 'app2', flink: { kind: 'home', path: home }, application: spec({ entryClass: undefined, savepoint: undefined, args: [] }) }, { osUser: () => 'tester' });
    const t = buildJobManagerTask({ options: v.options, flinkConfiguration: {} }, 'a1', '127.0.0.1', [], { rpc: 1, rest: 2, blob: 3 });
    const r = run(t.command!.value!);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!r.stdout.includes('--job-classname') && !r.stdout.includes('--fromSavepoint'));
    const s = validateSessionOptions({ master: 'm:5050', name: 's', flink: { kind: 'home', path: home } }, { osUser: () => 'tester' });
    const js = buildJobManagerTask({ options: s.options, flinkConfiguration: {} }, 'a1', '127.0.0.1', [], { rpc: 1, rest: 2, blob: 3 });
    assert.equal(js.command?.uris, undefined);
    assert.match(run(js.command!.value!).stdout, /^script: jobmanager\n/);
  });

  test('the sandbox output of a failed fetch and of a program Flink cannot run: said plainly, with the fix', () => {
    const fetch = diagnoseStartupOutput("E1202 fetcher.cpp] Failed to fetch 'http://h:1/j.jar': Error downloading resource, received HTTP return code 404\n");
    assert.equal(fetch?.problem, 'The Mesos fetcher of the agent could not fetch http://h:1/j.jar: Error downloading resource, received HTTP return code 404');
    assert.match(fetch?.fix ?? '', /Give a URI every agent can fetch/);
    const secret = 'ab'.repeat(24);
    const served = diagnoseStartupOutput(`E1202 fetcher.cpp] Failed to fetch 'http://127.0.0.3:4711/${secret}/wordCount.jar': connect ECONNREFUSED 127.0.0.3:4711\n`);
    assert.equal(served?.problem, 'The Mesos agents cannot reach the artifact server at http://127.0.0.3:4711: the agent\'s fetcher could not fetch ' +
      'http://127.0.0.3:4711/<secret>/wordCount.jar: connect ECONNREFUSED 127.0.0.3:4711');
    assert.match(served?.fix ?? '', /^Set the artifact server address \(--artifact-address HOST, the setting flinkMesos\.application\.artifactServerAddress;/);
    assert.ok(!`${served?.problem}${served?.fix}`.includes(secret), 'the secret path is not shown');
    const program = diagnoseStartupOutput("Caused by: org.apache.flink.client.program.ProgramInvocationException: The program's entry point class 'a.B' was not found in the jar file.\n");
    assert.equal(program?.problem, "Flink could not run the application: The program's entry point class 'a.B' was not found in the jar file.");
  });
});
