import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  parseSessionStartArgs, validateSessionOptions, sessionFlinkConfiguration, SessionOptionError, DEFAULT_FAILOVER_TIMEOUT_SECONDS,
} from '../../../src/core/session/SessionOptions';
import { FlinkConfigurationError } from '../../../src/core/flink/flinkConfiguration';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sessopts-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function parse(args: string): ReturnType<typeof validateSessionOptions> & { notes: string[]; rest: string[] } {
  const p = parseSessionStartArgs(args.split(' ').filter(Boolean));
  return { ...validateSessionOptions(p.input, { osUser: () => 'alice' }), notes: p.notes, rest: p.rest };
}

function refuses(args: string, option: string, problem: RegExp): void {
  assert.throws(() => parse(args), (e: unknown) => {
    assert.ok(e instanceof SessionOptionError, `expected SessionOptionError, got ${String(e)}`);
    assert.equal(e.option, option);
    assert.match(e.message, problem);
    assert.ok(e.fix.length > 10, 'names the fix');
    return true;
  });
}

describe('session options', () => {
  test('old start-mesos.sh options and defaults', () => {
    const { options, flinkConfiguration, warnings } = parse('-m mesos:5050 -n 3 -s 2 -tm 2048 -tmc 1.5 -jm 1024 -jmc 0.5 -D a.b=c --flink-home /opt/flink -v --extra');
    assert.equal(options.master, 'mesos:5050');
    assert.equal(options.taskManagers, 3);
    assert.equal(options.slotsPerTaskManager, 2);
    assert.equal(options.taskManagerMemoryMb, 2048);
    assert.equal(options.taskManagerCpus, 1.5);
    assert.equal(options.jobManagerMemoryMb, 1024);
    assert.equal(options.jobManagerCpus, 0.5);
    assert.deepEqual(options.flink, { kind: 'home', path: '/opt/flink' });
    assert.equal(options.verbose, true);
    assert.equal(options.failoverTimeoutSeconds, DEFAULT_FAILOVER_TIMEOUT_SECONDS);
    assert.equal(options.failoverTimeoutSeconds, 604800);
    assert.equal(options.user, 'alice');
    assert.deepEqual(flinkConfiguration, { 'a.b': 'c' });
    assert.equal(warnings.length, 1, 'a.b is not a Flink key');
    const conf = sessionFlinkConfiguration(options, flinkConfiguration);
    assert.equal(conf['parallelism.default'], '6');
    assert.equal(conf['taskmanager.memory.process.size'], '2048m');
    assert.equal(conf['jobmanager.memory.process.size'], '1024m');
    assert.equal(conf['taskmanager.cpu.cores'], '1.5');
    assert.equal(conf['taskmanager.numberOfTaskSlots'], '2');
    // TaskManagers start beside the JobManager: a refused first registration is retried after 1 s, not Flink's 10 s.
    assert.equal(conf['cluster.registration.error-delay'], '1000');
    assert.equal(sessionFlinkConfiguration(options, { 'cluster.registration.error-delay': '5000' })['cluster.registration.error-delay'], '5000', 'the user\'s own value stays');
  });

  test('unset -n is greedy and sets no parallelism', () => {
    const { options, flinkConfiguration } = parse('-m h:5050 --flink-uri http://x/flink.tgz');
    assert.equal(options.taskManagers, undefined);
    assert.equal(sessionFlinkConfiguration(options, flinkConfiguration)['parallelism.default'], undefined);
  });

  test('-Dkey=value and -D key=value, empty values, --x=value forms', () => {
    const { options } = parse('-m h:1 --docker-image flink:1.19 -Dweb.timeout=1 -D rest.port= --name=s1 --constraint rack:r1,zone:z --constraint=os:linux');
    assert.deepEqual(options.dynamicProperties, { 'web.timeout': '1', 'rest.port': '' });
    assert.equal(options.name, 's1');
    assert.deepEqual(options.constraints, [{ attribute: 'rack', value: 'r1' }, { attribute: 'zone', value: 'z' }, { attribute: 'os', value: 'linux' }]);
  });

  test('-l is ignored with a note; -j becomes the Flink location or is refused for a jar', () => {
    const r = parse('-m h:1 -l /usr/lib/libmesos.so -j http://x/flink-1.19.tgz');
    assert.match(r.notes.join('\n'), /HTTP API, which needs no native library/);
    assert.deepEqual(r.options.flink, { kind: 'uri', uri: 'http://x/flink-1.19.tgz' });
    assert.deepEqual(parse('-m h:1 -j /opt/flink').options.flink, { kind: 'home', path: '/opt/flink' });
    refuses('-m h:1 -j /opt/flink/lib/flink-dist.jar', '-j', /Flink jar.*whole Flink distribution/);
  });

  test('configuration folder and -D merge; -D wins', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'c-'));
    fs.writeFileSync(path.join(dir, 'config.yaml'), 'rest:\n  flamegraph:\n    enabled: false\nstate.backend.type: rocksdb\nrestart-strategy: none\nmy-key: 1\n');
    const { flinkConfiguration, warnings } = parse(`-m h:1 --flink-home /f -c ${dir} -D rest.flamegraph.enabled=true`);
    assert.equal(flinkConfiguration['rest.flamegraph.enabled'], 'true');
    assert.equal(flinkConfiguration['state.backend.type'], 'rocksdb');
    assert.ok(warnings.some((w) => /"my-key" is not a known Flink option/.test(w)));
  });

  // Every bad option of issues 5 and 9 gets a clear error naming the option and the fix.
  const base = '--flink-home /opt/flink';
  test('master: missing, malformed host:port, bad port, bad zk://', () => {
    refuses(`${base}`, '-m', /master address is missing/);
    refuses(`-m ${base}`, '-m', /needs a value/);
    refuses(`-m mesos ${base}`, '-m', /"mesos" in "mesos" is not HOST:PORT/);
    refuses(`-m mesos:port ${base}`, '-m', /not HOST:PORT/);
    refuses(`-m mesos:70000 ${base}`, '-m', /port 70000 .* out of range/);
    refuses(`-m a:5050,b ${base}`, '-m', /"b" in "a:5050,b"/);
    refuses(`-m zk://zk1:2181 ${base}`, '-m', /not a ZooKeeper address/);
    refuses(`-m zk:///mesos ${base}`, '-m', /not a ZooKeeper address/);
    assert.equal(parse(`-m zk://u:p@zk1:2181,zk2:2181/mesos ${base}`).options.master, 'zk://u:p@zk1:2181,zk2:2181/mesos');
    assert.equal(parse(`-m https://m1:5050,http://m2:5050/ ${base}`).options.master, 'https://m1:5050,http://m2:5050/');
  });

  test('zero and negative sizes, slots 0, non-numbers', () => {
    refuses(`-m h:1 ${base} -n 0`, '-n', /0 is not a valid value for the number of TaskManagers/);
    refuses(`-m h:1 ${base} -n -2`, '-n', /-2 is not a valid value/);
    refuses(`-m h:1 ${base} -n 1.5`, '-n', /whole number/);
    refuses(`-m h:1 ${base} -n many`, '-n', /"many" is not a number/);
    refuses(`-m h:1 ${base} -s 0`, '-s', /slots per TaskManager/);
    refuses(`-m h:1 ${base} -tm 0`, '-tm', /TaskManager memory/);
    refuses(`-m h:1 ${base} -tm -1024`, '-tm', /TaskManager memory/);
    refuses(`-m h:1 ${base} -tm lots`, '-tm', /not a memory size/);
    refuses(`-m h:1 ${base} -jm 0`, '-jm', /JobManager memory/);
    refuses(`-m h:1 ${base} -tmc 0`, '-tmc', /TaskManager cpus/);
    refuses(`-m h:1 ${base} -jmc -1`, '-jmc', /JobManager cpus/);
    refuses(`-m h:1 ${base} --failover-timeout 0`, '--failover-timeout', /kill the session as soon as/);
    refuses(`-m h:1 ${base} --disk -5`, '--disk', /not a disk size/);
  });

  test('memory below Flink minimum', () => {
    refuses(`-m h:1 ${base} -tm 512`, '-tm', /512 MB is below the 1024 MB Flink needs/);
    refuses(`-m h:1 ${base} -jm 256`, '-jm', /256 MB is below the 768 MB/);
    assert.equal(parse(`-m h:1 ${base} -tm 4g`).options.taskManagerMemoryMb, 4096);
  });

  test('-D without =, empty key', () => {
    refuses(`-m h:1 ${base} -D taskmanager.numberOfTaskSlots`, '-D', /"taskmanager.numberOfTaskSlots" has no "="/);
    refuses(`-m h:1 ${base} -Dfoo`, '-D', /"foo" has no "="/);
    refuses(`-m h:1 ${base} -D =x`, '-D', /empty key/);
  });

  test('Flink location: missing, twice, relative, bad URI, bad image', () => {
    refuses('-m h:1', '--flink-home', /Flink location is missing/);
    refuses('-m h:1 --flink-home /a --docker-image x', '--docker-image', /given twice/);
    refuses('-m h:1 --flink-home flink', '--flink-home', /not an absolute path/);
    refuses('-m h:1 --flink-uri not-a-uri', '--flink-uri', /not a URI/);
    refuses('-m h:1 --docker-image Bad^Image', '--docker-image', /not a Docker image/);
  });

  test('constraints, names, roles, unknown config folder', () => {
    refuses(`-m h:1 ${base} --constraint rack`, '--constraint', /"rack" is not attr:value/);
    refuses(`-m h:1 ${base} --constraint :x`, '--constraint', /not attr:value/);
    refuses(`-m h:1 ${base} --name bad/name`, '--name', /not a valid session name/);
    refuses(`-m h:1 ${base} --role /bad`, '--role', /not a valid Mesos role/);
    assert.throws(() => parse(`-m h:1 ${base} -c ${path.join(tmp, 'missing')}`), FlinkConfigurationError);
  });
});

describe('the framework user', () => {
  const base = { master: 'm:5050', flink: { kind: 'home' as const, path: '/opt/flink' } };
  test('defaults to the operating-system user, not $USER or $LOGNAME (unset or someone else)', () => {
    const saved = { USER: process.env.USER, LOGNAME: process.env.LOGNAME };
    try {
      delete process.env.USER;
      delete process.env.LOGNAME;
      assert.equal(validateSessionOptions(base).options.user, os.userInfo().username);
      process.env.USER = 'somebody-else';
      assert.equal(validateSessionOptions(base).options.user, os.userInfo().username);
    } finally {
      for (const [k, v] of Object.entries(saved)) { if (v === undefined) delete process.env[k]; else process.env[k] = v; }
    }
    assert.notEqual(validateSessionOptions(base).options.user, 'nobody');
  });
  test('--user overrides it; an empty one is refused; a user without a name in the user database is a clear error', () => {
    assert.equal(parse('-m h:1 --flink-home /opt/flink --user flink').options.user, 'flink');
    assert.throws(() => validateSessionOptions({ ...base, user: ' ' }), (e: unknown) => e instanceof SessionOptionError && /--user: the user is empty/.test(e.message));
    assert.throws(() => validateSessionOptions(base, { osUser: () => { throw new SessionOptionError('--user', 'uid 4242 has no name.', 'Pass --user USER.'); } }), /uid 4242 has no name/);
  });
});
