// test/harness/netGuard.ts, the preload that keeps code-server's processes on loopback: a child node with it preloaded
// tries TEST-NET 192.0.2.1 (net.connect and fetch), a public host name (fetch, dns.lookup) and a loopback server.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readServerNetLog } from '../harness/loopbackGuard';

const preload = path.resolve(__dirname, '..', 'harness', 'netGuard.js');

const script = `
const net = require('net');
const out = [];
const done = new Promise((resolve) => {
  let left = 5;
  const note = (s) => { out.push(s); if (--left === 0) resolve(); };
  net.connect(80, '192.0.2.1').on('error', (e) => note('connect ' + e.code)).on('connect', () => note('connect CONNECTED'));
  fetch('http://192.0.2.1:81/').then(() => note('fetch-ip ANSWERED'), (e) => note('fetch-ip ' + (e.cause && e.cause.code)));
  fetch('https://open-vsx.org/vscode/gallery').then(() => note('fetch-name ANSWERED'), (e) => note('fetch-name ' + (e.cause && e.cause.code)));
  require('dns').lookup('example.org', (e) => note('lookup ' + (e ? e.code : 'RESOLVED')));
  const s = require('http').createServer((q, r) => r.end('ok')).listen(0, '127.0.0.1', () =>
    fetch('http://127.0.0.1:' + s.address().port).then((r) => r.text()).then((t) => { note('loopback ' + t); s.close(); }, (e) => note('loopback ' + e.message)));
});
done.then(() => console.log(JSON.stringify(out.sort())));
`;

test('netGuard refuses and records every non-loopback connect and look-up, and lets loopback through', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'net-guard-'));
  try {
    const log = path.join(dir, 'net.log');
    const r = spawnSync(process.execPath, ['--require', preload, '-e', script], { env: { ...process.env, FOM_NET_GUARD_LOG: log }, encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout.trim()), ['connect ECONNREFUSED', 'fetch-ip ECONNREFUSED', 'fetch-name ECONNREFUSED', 'lookup ENOTFOUND', 'loopback ok']);
    const seen = readServerNetLog(log);
    assert.equal(seen.processes.length, 1);
    assert.deepEqual(seen.attempts.map((a) => `${a.kind} ${a.target}`).sort(),
      ['connect 192.0.2.1:80', 'connect 192.0.2.1:81', 'connect open-vsx.org:443', 'lookup example.org']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('without FOM_NET_GUARD_LOG the preload changes nothing', () => {
  const r = spawnSync(process.execPath, ['--require', preload, '-e', "console.log(require('net').Socket.prototype.connect.name)"], { env: { ...process.env, FOM_NET_GUARD_LOG: '' }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.notEqual(r.stdout.trim(), 'guardedConnect');
});
