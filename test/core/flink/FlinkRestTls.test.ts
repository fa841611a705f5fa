// The REST client against an https JobManager (a local node https server with certificates made by openssl): verified
// against the configured CA, and each TLS failure a FlinkRestError of kind "tls" naming the problem and the fix.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { FlinkRestClient } from '../../../src/core/flink/FlinkRestClient';
import { FlinkRestError } from '../../../src/core/flink/FlinkRestError';
import { opensslCerts, type PemCerts } from '../../harness/tlsCerts';
import { runJobCommand } from '../../../src/core/cli/jobCommands';
import { bufferIo } from '../../helpers/bufferIo';

const OVERVIEW = JSON.stringify({ taskmanagers: 2, 'slots-total': 4, 'slots-available': 4, 'flink-version': '2.3.0' });

describe('the Flink REST client over https', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flink-rest-tls-'));
  let certs: PemCerts;
  let tlsServer: https.Server;
  let plainServer: http.Server;
  let tlsPort = 0;
  let plainPort = 0;
  const answer = (_req: http.IncomingMessage, res: http.ServerResponse): void => { res.setHeader('content-type', 'application/json'); res.end(OVERVIEW); };

  before(async () => {
    // The certificate names 127.0.0.1 only: "localhost" is a host name it does not hold.
    certs = opensslCerts(dir, ['IP:127.0.0.1']);
    tlsServer = https.createServer({ key: fs.readFileSync(certs.keyPem), cert: fs.readFileSync(certs.certPem) }, answer);
    plainServer = http.createServer(answer);
    await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => plainServer.listen(0, '127.0.0.1', r));
    tlsPort = (tlsServer.address() as AddressInfo).port;
    plainPort = (plainServer.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise((r) => tlsServer.close(r));
    await new Promise((r) => plainServer.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const ca = (file: string): string => fs.readFileSync(file, 'utf8');
  async function failure(url: string, caFile?: string): Promise<FlinkRestError> {
    const client = new FlinkRestClient(url, { retries: 2, retryBaseMs: 1, ...(caFile ? { tls: { ca: ca(caFile) } } : {}) });
    try {
      await client.overview();
    } catch (err) {
      assert.ok(err instanceof FlinkRestError, String(err));
      return err;
    } finally {
      await client.close();
    }
    assert.fail(`${url} answered`);
  }

  test('verified against the configured CA, the call goes through', async () => {
    const client = new FlinkRestClient(`https://127.0.0.1:${tlsPort}`, { tls: { ca: ca(certs.caPem) } });
    try {
      assert.equal((await client.overview()).taskmanagers, 2);
    } finally {
      await client.close();
    }
  });

  test('a certificate the CA did not sign (another CA, or none given): kind tls, names --flink-rest-ca', async () => {
    for (const caFile of [certs.otherCaPem, undefined]) {
      const err = await failure(`https://127.0.0.1:${tlsPort}`, caFile);
      assert.equal(err.kind, 'tls');
      assert.match(err.message, /presents a certificate that the CA this client trusts did not sign \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN)/);
      assert.match(err.message, /--flink-rest-ca FILE/);
      assert.match(err.fix ?? '', /CA that signed the JobManager's REST certificate/);
    }
  });

  test('a host name the certificate does not hold: kind tls, names the host and subjectAltName', async () => {
    const err = await failure(`https://localhost:${tlsPort}`, certs.caPem);
    assert.equal(err.kind, 'tls');
    assert.match(err.message, /is not issued for the host "localhost"/);
    assert.match(err.message, /subjectAltName/);
  });

  test('http against an https JobManager: says it speaks https and gives the https address', async () => {
    const err = await failure(`http://127.0.0.1:${tlsPort}`);
    assert.equal(err.kind, 'tls');
    assert.match(err.message, /speaks https \(REST TLS, security\.ssl\.rest\.enabled\)/);
    assert.match(err.message, new RegExp(`Use https://127\\.0\\.0\\.1:${tlsPort}`));
  });

  test('http against a JobManager that redirects to https, as Flink\'s RedirectingSslHandler does: the same clear error, not an empty answer', async () => {
    const server = http.createServer((req, res) => { res.writeHead(301, { location: `https://127.0.0.1:${tlsPort}${req.url ?? '/'}` }); res.end(); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const err = await failure(`http://127.0.0.1:${port}`);
      assert.equal(err.kind, 'tls');
      assert.equal(err.status, 301);
      assert.match(err.message, /speaks https \(REST TLS, security\.ssl\.rest\.enabled\), not plain http/);
      assert.match(err.message, new RegExp(`Use https://127\\.0\\.0\\.1:${port}`));
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  test('https against a plain http JobManager: says it answers plain http and gives the http address', async () => {
    const err = await failure(`https://127.0.0.1:${plainPort}`, certs.caPem);
    assert.equal(err.kind, 'tls');
    assert.match(err.message, /answers plain http, not https/);
    assert.match(err.message, new RegExp(`Use http://127\\.0\\.0\\.1:${plainPort}`));
  });

  test('a plain http JobManager that hangs up is not taken for https', async () => {
    const server = http.createServer((req) => req.socket.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const err = await failure(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      assert.notEqual(err.kind, 'tls');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  test('the command line: --flink-rest-ca verifies -m https://..., a wrong one exits 3 with the fix, an unreadable one exits 2', async () => {
    const resolve = async (): Promise<string> => { throw new Error('no sessions'); };
    const ok = bufferIo({});
    assert.equal(await runJobCommand(['list', '-m', `https://127.0.0.1:${tlsPort}`, '--flink-rest-ca', certs.caPem], ok, resolve), 0, ok.stderr);
    const wrong = bufferIo({});
    assert.equal(await runJobCommand(['list', '-m', `https://127.0.0.1:${tlsPort}`, '--flink-rest-ca', certs.otherCaPem], wrong, resolve), 3);
    assert.match(wrong.stderr, /did not sign/);
    const missing = bufferIo({});
    assert.equal(await runJobCommand(['list', '-m', `https://127.0.0.1:${tlsPort}`, '--flink-rest-ca', path.join(dir, 'nope.pem')], missing, resolve), 2);
    assert.match(missing.stderr, /--flink-rest-ca: the CA file .*nope\.pem cannot be read \(it does not exist\)/);
  });
});
