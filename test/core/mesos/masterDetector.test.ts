import { describe, test, before, after, afterEach } from 'node:test';
import * as assert from 'node:assert/strict';
import * as zookeeper from 'node-zookeeper-client';
import { ZooKeeperMasterDetector, leaderZnode, masterUrlFromInfo, ipFromMasterInfo, ListMasterDetector, findLeaderByRedirect, type LeaderInfo } from '../../../src/core/mesos/masterDetector';
import { parseMasters, type ZooKeeperAddress } from '../../../src/core/mesos/masterAddress';
import { SchedulerClient, type MesosError } from '../../../src/core/mesos/SchedulerClient';
import { createAgent } from '../../../src/core/mesos/http';
import type { MasterInfo } from '../../../src/core/mesos/types';
import { ZooKeeperServer, zookeeperUnavailable } from './zookeeperServer';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { MesosCluster } from '../../standin/mesos/MesosCluster';
import { FakeMaster, nextEvent, waitFor } from './fakeMaster';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

describe('master detection helpers', () => {
  test('the leader is the json.info_ child with the lowest sequence number', () => {
    assert.equal(leaderZnode(['json.info_0000000012', 'log_replicas', 'json.info_0000000003', 'info_0000000001']), 'json.info_0000000003');
    assert.equal(leaderZnode(['log_replicas']), undefined);
  });

  test('MasterInfo to URL: address first, then hostname, then the packed ip', () => {
    assert.equal(ipFromMasterInfo(16777343), '127.0.0.1');
    const info: MasterInfo = { id: 'm', ip: 16777343, port: 5050, hostname: 'master1', address: { hostname: 'm1.example', ip: '10.0.0.1', port: 5051 } };
    assert.equal(masterUrlFromInfo(info), 'http://m1.example:5051');
    assert.equal(masterUrlFromInfo({ id: 'm', ip: 16777343, port: 5050 }, 'https'), 'https://127.0.0.1:5050');
    assert.equal(masterUrlFromInfo({ id: 'm', port: 5050, hostname: 'master1' }), 'http://master1:5050');
  });

  test('list detector asks GET /redirect for the leader and puts it first', async () => {
    const leader = await FakeMaster.start();
    const other = await FakeMaster.start();
    cleanups.push(() => leader.stop(), () => other.stop());
    other.onOther = (req, res) => { res.writeHead(307, { location: `//127.0.0.1:${leader.port}` }); res.end(); };
    const agent = createAgent({ connectTimeoutMs: 1000, headersTimeoutMs: 1000, bodyTimeoutMs: 1000 });
    cleanups.push(() => agent.close());
    assert.equal(await findLeaderByRedirect([other.url], { agent, headers: {}, timeoutMs: 1000 }), leader.url);
    const d = new ListMasterDetector([other.url, leader.url], { agent, headers: {}, timeoutMs: 1000 });
    assert.deepEqual(await d.candidates(), [leader.url, other.url]);
    assert.equal(other.requests[0].url, '/redirect');
  });
});

const skipReason = zookeeperUnavailable();

describe('ZooKeeper detection against a real ZooKeeper server', { skip: skipReason }, () => {
  let zk: ZooKeeperServer;
  before(async () => { zk = await ZooKeeperServer.start(); });
  after(async () => { await zk?.stop(); });

  /** A ZooKeeper session standing in for one Mesos master: it registers json.info_<seq> like a real master. */
  async function registerMaster(path: string, info: MasterInfo): Promise<{ znode: string; close: () => void }> {
    const client = zookeeper.createClient(zk.connect, { sessionTimeout: 2000 });
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('zk connect timeout')), 5000);
      client.once('connected', () => { clearTimeout(t); resolve(); });
      client.connect();
    });
    await new Promise<void>((resolve, reject) => client.mkdirp(path, (e) => (e ? reject(e) : resolve())));
    const created = await new Promise<string>((resolve, reject) =>
      client.create(`${path}/json.info_`, Buffer.from(JSON.stringify(info)), zookeeper.ACL.OPEN_ACL_UNSAFE, zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL,
        (e, p) => (e ? reject(e) : resolve(p))));
    let closed = false;
    const close = (): void => { if (!closed) { closed = true; client.close(); } };
    cleanups.push(async () => close());
    return { znode: created.slice(path.length + 1), close };
  }

  function info(port: number, id: string): MasterInfo {
    return { id, ip: 16777343, port, hostname: '127.0.0.1', address: { hostname: '127.0.0.1', ip: '127.0.0.1', port } };
  }

  test('finds the lowest json.info_ node, and follows leader loss to the next', async () => {
    const path = '/mesos-detect-' + Date.now();
    const first = await registerMaster(path, info(5050, 'm1'));
    const second = await registerMaster(path, info(5051, 'm2'));
    const detector = new ZooKeeperMasterDetector(parseMasters(`zk://${zk.connect}${path}`) as ZooKeeperAddress, { leaderWaitMs: 5000 });
    cleanups.push(() => detector.close());
    assert.deepEqual(await detector.candidates(), ['http://127.0.0.1:5050']);
    assert.equal(detector.leader?.znode, first.znode);
    const next = new Promise<LeaderInfo | undefined>((resolve) => detector.on('leader', (l) => { if (l) resolve(l); }));
    first.close(); // the leading master's session ends, its ephemeral node goes
    const l = await next;
    assert.equal(l?.url, 'http://127.0.0.1:5051');
    assert.equal(l?.znode, second.znode);
    assert.equal(l?.info.id, 'm2');
  });

  test('an empty or missing path is a clear, retryable error; a master registering later is found', async () => {
    const path = '/mesos-empty-' + Date.now();
    const detector = new ZooKeeperMasterDetector(parseMasters(`zk://${zk.connect}${path}`) as ZooKeeperAddress, { leaderWaitMs: 700 });
    cleanups.push(() => detector.close());
    await assert.rejects(detector.candidates(), (e: MesosError) => e.kind === 'zookeeper' && e.retryable && /no node|No leading Mesos master/.test(e.message) && /zk:\/\//.test(e.fix));
    await registerMaster(path, info(5052, 'm3'));
    await waitFor(() => detector.leader?.url === 'http://127.0.0.1:5052', 5000, 'the late master');
  });

  test('a znode that does not hold MasterInfo JSON is reported', async () => {
    const path = '/mesos-garbage-' + Date.now();
    const client = zookeeper.createClient(zk.connect);
    client.connect();
    cleanups.push(async () => client.close());
    await new Promise<void>((resolve, reject) => client.mkdirp(path, (e) => (e ? reject(e) : resolve())));
    await new Promise<void>((resolve, reject) => client.create(`${path}/json.info_0000000001`, Buffer.from('not json'), zookeeper.ACL.OPEN_ACL_UNSAFE, zookeeper.CreateMode.EPHEMERAL, (e) => (e ? reject(e) : resolve())));
    const detector = new ZooKeeperMasterDetector(parseMasters(`zk://${zk.connect}${path}`) as ZooKeeperAddress, { leaderWaitMs: 700 });
    cleanups.push(() => detector.close());
    await assert.rejects(detector.candidates(), /does not hold MasterInfo JSON/);
  });

  test('SchedulerClient with zk:// subscribes to the leader and moves when the leader changes', async () => {
    const m1 = await FakeMaster.start();
    const m2 = await FakeMaster.start();
    cleanups.push(() => m1.stop(), () => m2.stop());
    const path = '/mesos-client-' + Date.now();
    const r1 = await registerMaster(path, info(m1.port, 'm1'));
    await registerMaster(path, info(m2.port, 'm2'));
    const c = new SchedulerClient({ masters: `zk://${zk.connect}${path}`, frameworkInfo: { user: 'u', name: 'zk-test' }, backoffInitialMs: 20, backoffMaxMs: 100 });
    cleanups.push(() => c.close());
    const [first] = await (c.start(), nextEvent<[{ leaderUrl: string; frameworkId: string }]>(c, 'subscribed'));
    assert.equal(first.leaderUrl, m1.url);
    const moved = nextEvent<[{ leaderUrl: string }]>(c, 'subscribed', 10000);
    r1.close();
    const [second] = await moved;
    assert.equal(second.leaderUrl, m2.url);
    assert.equal((m2.subscribes()[0].json as { framework_id: { value: string } }).framework_id.value, first.frameworkId);
  });

  test('an unreachable ZooKeeper makes the client report "disconnected, retrying" naming ZooKeeper', async () => {
    const c = new SchedulerClient({ masters: 'zk://127.0.0.1:1/mesos', frameworkInfo: { user: 'u', name: 'zk-test' }, backoffInitialMs: 20, backoffMaxMs: 100, callTimeoutMs: 500 });
    cleanups.push(() => c.close());
    c.start();
    const [state, detail] = await nextEvent<[string, { reason?: string; retryInMs?: number }]>(c, 'connectionState', 10000).then(async (e) => (e[0] === 'connecting' ? nextEvent<[string, { reason?: string; retryInMs?: number }]>(c, 'connectionState', 10000) : e));
    assert.equal(state, 'disconnected');
    assert.match(detail.reason ?? '', /ZooKeeper 127\.0\.0\.1:1/);
  });

  test('the Mesos stand-in registered in ZooKeeper: zk:// subscribes to the leader and follows a leader switch', async () => {
    const flinkHome = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'mesos-client-zk-'));
    cleanups.push(async () => fs.rmSync(flinkHome, { recursive: true, force: true }));
    const path = '/mesos-standin-' + Date.now();
    const mesos = await MesosCluster.start({ masters: 2, agents: 1, heartbeatSeconds: 1, allocationIntervalMs: 100, flinkHome, zk: { connect: zk.connect, path } });
    cleanups.push(() => mesos.stop());
    const c = new SchedulerClient({ masters: `zk://${zk.connect}${path}`, frameworkInfo: { user: os.userInfo().username, name: 'zk-standin', failover_timeout: 60 }, log: process.env.MESOS_TEST_LOG ? { debug: (m: string) => console.error('D', m), info: (m: string) => console.error('I', m), warn: (m: string) => console.error('W', m), error: (m: string) => console.error('E', m) } : undefined, backoffInitialMs: 50, backoffMaxMs: 300, heartbeatMissedIntervals: 3 });
    cleanups.push(() => c.close());
    const [first] = await (c.start(), nextEvent<[{ leaderUrl: string; frameworkId: string }]>(c, 'subscribed', 10000));
    assert.equal(first.leaderUrl, mesos.masterUrls[0]);
    mesos.faults.switchLeader(1);
    await waitFor(() => c.state === 'subscribed' && c.leaderUrl === mesos.masterUrls[1], 10000, 'subscription at the new leader');
    assert.equal(c.frameworkId, first.frameworkId);
    await c.revive();
  });
});
