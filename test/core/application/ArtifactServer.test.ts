// The artifact server of a local application jar: only that jar, under its secret path; 0.0.0.0 only when asked for
// explicitly; HTTPS with a certificate; an address this machine does not have is a clear error; stop frees the port.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import * as path from 'node:path';
import { ArtifactServer, ArtifactServerError, parseArtifactUri, validateArtifactAddress } from '../../../src/core/application/ArtifactServer';
import { tempDir } from '../session/sessionHarness';

const dir = tempDir('artifact-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const jar = path.join(dir, 'my job.jar');
fs.writeFileSync(jar, Buffer.from('PK\u0003\u0004 not really a jar, but bytes to serve'));

async function get(url: string): Promise<{ status: number; body: string }> {
  const r = await fetch(url);
  return { status: r.status, body: await r.text() };
}

function portClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(false); });
    s.once('error', () => resolve(true));
  });
}

describe('ArtifactServer', () => {
  test('serves the jar under its unguessable path and nothing else; stop closes the port', async () => {
    const server = new ArtifactServer(jar, { host: '127.0.0.1' });
    const uri = await server.start();
    // Stopped even when an assertion fails, so a failure ends the test instead of keeping the process alive.
    after(() => server.stop());
    assert.match(uri, /^http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{48}\/my%20job\.jar$/);
    const ok = await get(uri);
    assert.equal(ok.status, 200);
    assert.equal(ok.body, fs.readFileSync(jar, 'utf8'));
    const base = uri.slice(0, uri.indexOf('/', 'http://'.length));
    for (const p of ['/', '/my%20job.jar', `/${'0'.repeat(48)}/my%20job.jar`, `${new URL(uri).pathname}/../../etc/passwd`, `${new URL(uri).pathname.split('/').slice(0, 2).join('/')}/other.jar`]) {
      assert.equal((await get(base + p)).status, 404, p);
    }
    assert.equal(server.served, 1);
    const port = server.port;
    await server.stop();
    assert.ok(await portClosed(port));
  });

  test('two servers get different secret paths; a reattach reuses the saved one', async () => {
    const a = new ArtifactServer(jar, { host: '127.0.0.1' });
    const b = new ArtifactServer(jar, { host: '127.0.0.1' });
    const ua = await a.start();
    const ub = await b.start();
    assert.notEqual(parseArtifactUri(ua)!.token, parseArtifactUri(ub)!.token);
    const saved = parseArtifactUri(ua)!;
    await a.stop();
    const again = new ArtifactServer(jar, { host: saved.host, port: saved.port, token: saved.token });
    assert.equal(await again.start(), ua);
    assert.equal((await get(ua)).status, 200);
    await again.stop();
    await b.stop();
  });

  test('0.0.0.0 and :: are refused unless every interface is asked for explicitly; no address at all is refused', async () => {
    for (const host of ['0.0.0.0', '::', '[::]']) {
      assert.throws(() => validateArtifactAddress(host, false), (e: Error) => e instanceof ArtifactServerError && /binds every interface.*--artifact-address-any/.test(e.message));
    }
    assert.throws(() => validateArtifactAddress(undefined, false), /A local jar needs the artifact server, and its address is not set\. Set the artifact server address \(--artifact-address HOST/);
    assert.equal(validateArtifactAddress('0.0.0.0', true), '0.0.0.0');
    await assert.rejects(new ArtifactServer(jar, { host: '0.0.0.0' }).start(), /binds every interface/);
  });

  test('an address this machine does not have: a clear error, nothing listens', async () => {
    await assert.rejects(new ArtifactServer(jar, { host: '198.51.100.77' }).start(),
      /The artifact server cannot listen on 198\.51\.100\.77: 198\.51\.100\.77 is not an address of this machine, so the Mesos agents could not fetch the jar from it; nothing was started\. Set the artifact server address \(--artifact-address HOST, the setting flinkMesos\.application\.artifactServerAddress\)/);
  });

  test('HTTPS when a certificate is configured', async () => {
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const server = new ArtifactServer(jar, { host: '127.0.0.1', certFile: cert, keyFile: key });
    const uri = await server.start();
    assert.match(uri, /^https:\/\/127\.0\.0\.1:\d+\//);
    const body = await new Promise<string>((resolve, reject) => {
      https.get(uri, { ca: fs.readFileSync(cert), checkServerIdentity: () => undefined }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => { text += c.toString(); });
        res.on('end', () => resolve(`${res.statusCode} ${text}`));
      }).on('error', reject);
    });
    assert.equal(body, `200 ${fs.readFileSync(jar, 'utf8')}`);
    await server.stop();
    await assert.rejects(new ArtifactServer(jar, { host: '127.0.0.1', certFile: cert }).start(), /has a certificate but no key/);
  });
});
