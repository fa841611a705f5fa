import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseMasters } from '../../../src/core/mesos/masterAddress';
import { MesosError } from '../../../src/core/mesos/MesosError';

describe('parseMasters', () => {
  const good: [string, unknown][] = [
    ['mesos.example.com:5050', { kind: 'list', urls: ['http://mesos.example.com:5050'] }],
    ['  10.0.0.1:5050  ', { kind: 'list', urls: ['http://10.0.0.1:5050'] }],
    ['m1', { kind: 'list', urls: ['http://m1:5050'] }],
    ['m1:5050,m2:5051, m3:5052', { kind: 'list', urls: ['http://m1:5050', 'http://m2:5051', 'http://m3:5052'] }],
    ['m1:5050,m1:5050', { kind: 'list', urls: ['http://m1:5050'] }],
    ['http://m1:5050/', { kind: 'list', urls: ['http://m1:5050'] }],
    ['HTTPS://m1:5050', { kind: 'list', urls: ['https://m1:5050'] }],
    ['https://mesos.example.com', { kind: 'list', urls: ['https://mesos.example.com:443'] }],
    ['http://m1:5050,https://m2:5050', { kind: 'list', urls: ['http://m1:5050', 'https://m2:5050'] }],
    ['[::1]:5050', { kind: 'list', urls: ['http://[::1]:5050'] }],
    ['zk://zk1:2181,zk2:2182/mesos', { kind: 'zk', connect: 'zk1:2181,zk2:2182', servers: [{ host: 'zk1', port: 2181 }, { host: 'zk2', port: 2182 }], path: '/mesos' }],
    ['zk://user:p%40ss@zk1:2181/mesos/', { kind: 'zk', connect: 'zk1:2181', servers: [{ host: 'zk1', port: 2181 }], path: '/mesos', auth: { user: 'user', password: 'p@ss' } }],
    ['zk://zk1/a/b', { kind: 'zk', connect: 'zk1:2181', servers: [{ host: 'zk1', port: 2181 }], path: '/a/b' }],
  ];
  for (const [text, expected] of good) {
    test(`accepts ${JSON.stringify(text)}`, () => assert.deepEqual(parseMasters(text), expected));
  }

  test('plain host:port uses https when asked', () => {
    assert.deepEqual(parseMasters('m1:5050', { defaultScheme: 'https' }), { kind: 'list', urls: ['https://m1:5050'] });
  });

  const bad: [string, RegExp, RegExp][] = [
    ['', /it is empty/, /Set the master address/],
    ['   ', /it is empty/, /e\.g\./],
    ['m1:', /ends with ':' but has no port/, /Add the port/],
    [':5050', /no host before the ':'/, /host:port/],
    ['m1:abc', /port "abc", which is not a number/, /digits between 1 and 65535/],
    ['m1:0', /port 0, outside 1-65535/, /5050/],
    ['m1:70000', /port 70000, outside 1-65535/, /5050/],
    ['m1:50:50', /more than one ':'/, /host:port/],
    ['m 1:5050', /is not host:port/, /host:port/],
    ['m1:5050/path', /is not host:port/, /host:port/],
    ['bad_host!:5050', /not a valid host name/, /host:port/],
    ['m1:5050,,m2:5050', /empty entry/, /extra comma/],
    ['m1:5050,', /empty entry/, /extra comma/],
    ['ftp://m1:5050', /scheme "ftp:\/\/"/, /http:\/\/, https:\/\/, zk:\/\//],
    ['http://m1:5050/master', /has a path/, /adds \/api\/v1\/scheduler itself/],
    ['http://', /has no host/, /Add the master's host/],
    ['http://u:p@m1:5050', /credentials in the URL/, /credentials instead/],
    ['m1:5050,zk://zk1:2181/mesos', /mixes zk:\/\//, /either one zk:\/\//],
    ['zk://zk1:2181', /no ZooKeeper path/, /\/mesos/],
    ['zk://zk1:2181/', /no ZooKeeper path/, /\/mesos/],
    ['zk:///mesos', /names no ZooKeeper server/, /List the ZooKeeper servers/],
    ['zk://zk1:abc/mesos', /port "abc"/, /digits/],
    ['zk://zk1:2181,/mesos', /empty entry in its ZooKeeper server list/, /extra comma/],
    ['zk://user@zk1:2181/mesos', /not "user:password"/, /zk:\/\/user:password@/],
    ['zk://zk1:2181/me sos', /not a valid znode path/, /without spaces/],
    ['zk:zk1:2181/mesos', /is not a zk:\/\/ URL/, /zk:\/\/host:port/],
  ];
  for (const [text, problem, fix] of bad) {
    test(`refuses ${JSON.stringify(text)} naming the problem and the fix`, () => {
      assert.throws(() => parseMasters(text), (e: unknown) => {
        assert.ok(e instanceof MesosError);
        assert.equal(e.kind, 'badMasterAddress');
        assert.match(e.message, /^Bad Mesos master address: /);
        assert.match(e.message, problem);
        assert.match(e.fix, fix);
        return true;
      });
    });
  }
});
