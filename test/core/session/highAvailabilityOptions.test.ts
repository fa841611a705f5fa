// The --ha and --ha-storage options: what they become in Flink's configuration, and the errors for bad values.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseSessionStartArgs, validateSessionOptions, SessionOptionError } from '../../../src/core/session/SessionOptions';
import { highAvailabilityConfiguration, highAvailabilityClusterId } from '../../../src/core/session/highAvailability';

const BASE = '-m m:5050 --flink-home /opt/flink';

function parse(args: string): ReturnType<typeof validateSessionOptions> {
  return validateSessionOptions(parseSessionStartArgs(args.split(' ').filter(Boolean)).input, { osUser: () => 'alice' });
}

function refuses(args: string, option: string, problem: RegExp): void {
  assert.throws(() => parse(`${BASE} ${args}`), (e: unknown) => {
    assert.ok(e instanceof SessionOptionError, `expected SessionOptionError, got ${String(e)}`);
    assert.equal(e.option, option);
    assert.match(e.message, problem);
    assert.ok(e.fix.length > 10, 'names the fix');
    return true;
  });
}

describe('high availability options', () => {
  test('--ha zk://a:2181,b:2181/flink --ha-storage /shared/ha: quorum, root path, storage URI and the restart limit', () => {
    const { options } = parse(`${BASE} --ha zk://a:2181,b:2181/flink/ --ha-storage /shared/ha/ --max-job-manager-restarts 5`);
    assert.deepEqual(options.ha, { quorum: 'a:2181,b:2181', rootPath: '/flink', storageDir: 'file:///shared/ha' });
    assert.equal(options.maxJobManagerRestartsPerHour, 5);
    assert.equal(parse(BASE).options.ha, undefined, 'off by default');
    assert.equal(parse(BASE).options.maxJobManagerRestartsPerHour, 3);
    assert.equal(parse(`${BASE} --ha zk://z:2181/f --ha-storage hdfs://nn/ha`).options.ha?.storageDir, 'hdfs://nn/ha');
  });

  test('the Flink keys: both names of the mode, a cluster id per start, checkpoints beside the HA storage unless set', () => {
    const ha = { quorum: 'a:2181', rootPath: '/flink', storageDir: 'file:///shared/ha' };
    const id = highAvailabilityClusterId('s1', 1_700_000_000_000);
    assert.notEqual(id, highAvailabilityClusterId('s1', 1_700_000_000_001), 'a new start of the same name gets its own id');
    const conf = highAvailabilityConfiguration(ha, id, {});
    assert.equal(conf['high-availability.type'], 'zookeeper');
    assert.equal(conf['high-availability'], 'zookeeper', 'the name Flink before 1.14 reads');
    assert.equal(conf['high-availability.zookeeper.quorum'], 'a:2181');
    assert.equal(conf['high-availability.zookeeper.path.root'], '/flink');
    assert.equal(conf['high-availability.cluster-id'], `/${id}`);
    assert.equal(conf['high-availability.storageDir'], `file:///shared/ha/${id}`);
    assert.equal(conf['state.checkpoints.dir'], `file:///shared/ha/${id}/checkpoints`);
    assert.equal(highAvailabilityConfiguration(ha, id, { 'execution.checkpointing.dir': 'file:///c' })['state.checkpoints.dir'], undefined, 'a checkpoint folder given is kept');
  });

  test('bad values are refused with the problem and the fix', () => {
    refuses('--ha zk://a:2181/flink', '--ha-storage', /missing/);
    refuses('--ha-storage /shared/ha', '--ha-storage', /without --ha/);
    refuses('--ha a:2181/flink --ha-storage /x', '--ha', /not a ZooKeeper address/);
    refuses('--ha zk://a:2181 --ha-storage /x', '--ha', /not a ZooKeeper address/);
    refuses('--ha zk://a:99999/flink --ha-storage /x', '--ha', /out of range/);
    refuses('--ha zk://a/flink --ha-storage /x', '--ha', /not HOST:PORT/);
    refuses('--ha zk://a:2181/flink --ha-storage relative/dir', '--ha-storage', /neither an absolute path nor a URI/);
    refuses('--ha zk://a:2181/flink --ha-storage /x --max-job-manager-restarts 0', '--max-job-manager-restarts', /whole number above 0/);
    refuses('-D high-availability.type=kubernetes', '-D high-availability.type', /Kubernetes high availability does not apply/);
    refuses('-D high-availability=zookeeper', '-D high-availability.type', /unaware/);
  });
});
