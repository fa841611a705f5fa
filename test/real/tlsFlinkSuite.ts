// Flink's TLS against real Flink: a session with internal (mutual) and REST TLS, stores made by the JDK's keytool, the
// internal store fetched with every task (a file:// URI) and the REST stores at a path on the agents. Flink lists both
// TaskManagers, WordCount runs through `flink-mesos run` over https verified against the CA, and a wrong CA, a wrong host
// name and plain http each get the error that names the fix. The password reaches no stored file and no command line.
// WordCount also runs as an application with the same TLS, through the CLI.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FlinkSession, SessionSnapshot } from '../../src/core/session/FlinkSession';
import { FlinkRestClient } from '../../src/core/flink/FlinkRestClient';
import * as tls from 'node:tls';
import type { MesosCluster } from '../standin/mesos/MesosCluster';
import { eventually, liveTasks, tempDir } from '../core/session/sessionHarness';
import { keytoolStores, type FlinkStores } from '../harness/tlsCerts';
import { cli, newRealSession, realFlink, startRealCluster, REAL_JM_MEMORY_MB, REAL_TM_MEMORY_MB, type RealFlink } from './realFlinkHarness';

const PASSWORD = 'tls-pass-4711-secret';
const WORDS = 'to be or not to be\nthat is the question\n';

/** A TLS handshake with host:port without a client certificate: "ok" or the error code. */
function handshake(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host, port, rejectUnauthorized: false }, () => {
      // The server checks the client's certificate after its Finished: wait a moment for its alert.
      setTimeout(() => { resolve(socket.destroyed ? 'closed' : 'ok'); socket.destroy(); }, 300);
    });
    socket.on('error', (e: NodeJS.ErrnoException) => { resolve(e.code ?? e.message); socket.destroy(); });
    socket.setTimeout(5000, () => { resolve('timeout'); socket.destroy(); });
  });
}

export function tlsFlinkSuite(version: string): void {
  describe(`Flink TLS (security.ssl.internal and rest) on real Flink ${version}`, { timeout: 400000 }, () => {
    let flink: RealFlink;
    let cluster: MesosCluster;
    let stores: FlinkStores;
    let session: FlinkSession | undefined;
    let snap: SessionSnapshot;
    const work = tempDir(`real-tls-${version}-`);
    const storeDir = path.join(work, 'store');

    before(async () => {
      flink = realFlink(version);
      // The agents' addresses (127.0.0.11-13) are in the REST certificate; "localhost" is not.
      stores = keytoolStores(path.join(work, 'ssl'), flink.javaHome, PASSWORD, ['ip:127.0.0.11', 'ip:127.0.0.12', 'ip:127.0.0.13']);
      cluster = await startRealCluster(flink);
    });
    after(async () => {
      await session?.stop().catch(() => undefined);
      await cluster?.stop();
      fs.rmSync(work, { recursive: true, force: true });
    });

    test('a session with internal and REST TLS: an https JobManager, both TaskManagers registered over mutual TLS, WordCount over https verified against the CA', async () => {
      session = await newRealSession(cluster, storeDir, {
        name: 'tls', taskManagers: 2, slotsPerTaskManager: 1,
        sslKeystore: `file://${stores.internalKeystore}`, sslTruststore: `file://${stores.internalKeystore}`,
        sslRestKeystore: stores.restKeystore, sslRestTruststore: stores.restTruststore, flinkRestCa: stores.caPem,
        // Every interface, so that the wrong-host test below can reach it as "localhost".
        dynamicProperties: ['rest.bind-address=0.0.0.0', 'heartbeat.timeout=20000'],
      }, { flinkSslPassword: (name) => (name === 'FLINK_SSL_PASSWORD' ? PASSWORD : undefined) });
      await session.start();
      snap = await session.waitFor((s) => s.phase === 'running' && s.progress.registered === 2, 180000, 'running with 2 TaskManagers').catch((e: Error) => {
        const x = session!.snapshot();
        throw new Error(`${e.message}; phase ${x.phase} (${x.reason ?? ''}), tms ${x.taskManagers.map((t) => `${t.taskId}:${t.state}`).join(' ')}`);
      });
      const url = snap.jobManagerUrl!;
      assert.match(url, /^https:\/\/127\.0\.0\.1[1-3]:\d+$/, 'the session announces an https JobManager');

      const client = new FlinkRestClient(url, { tls: { ca: fs.readFileSync(stores.caPem, 'utf8') }, retries: 0 });
      try {
        const tms = await eventually('both TaskManagers listed', async () => { const l = await client.taskManagers(); return l.length === 2 ? l : undefined; }, 60000, 500);
        assert.deepEqual(tms.map((t) => t.id).sort(), snap.taskManagers.map((t) => t.taskId).sort());
        const config = await client.jobManagerConfigMap();
        assert.equal(config.get('security.ssl.internal.enabled'), 'true');
        assert.equal(config.get('security.ssl.rest.enabled'), 'true');
        assert.match(config.get('security.ssl.internal.keystore') ?? '', /\/flink-ssl-keystore\.p12$/, 'the fetched store, in the sandbox');
        assert.equal(config.get('security.ssl.rest.keystore'), stores.restKeystore, 'the store at a path on the agent');
        assert.notEqual(config.get('security.ssl.internal.keystore-password'), PASSWORD, 'Flink masks the password');
      } finally {
        await client.close();
      }
      // Internal TLS is real: the JobManager's RPC port answers a TLS hello with a TLS alert (a client without the internal
      // certificate is refused); a plain RPC port would just drop the connection.
      const jm = snap.jobManager!;
      assert.match(await handshake(jm.hostname, jm.ports.rpc), /^ERR_SSL_/, `the RPC port ${jm.ports.rpc} speaks TLS and refuses a stranger`);

      const input = path.join(work, 'words.txt');
      const output = path.join(work, 'counts.txt');
      fs.writeFileSync(input, WORDS);
      const r = await cli(['run', '-m', url, '--flink-rest-ca', stores.caPem, flink.jobs.wordCount, '--input', input, '--output', output]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.match(r.stdout + r.stderr, /FINISHED/);
      const got = Object.fromEntries(fs.readFileSync(output, 'utf8').split('\n').filter(Boolean).map((l) => { const [w, n] = l.split(' '); return [w, Number(n)]; }));
      assert.deepEqual(got, { to: 2, be: 2, or: 1, not: 1, that: 1, is: 1, the: 1, question: 1 });

      // --session takes the session's own https address and CA.
      const list = await cli(['list', '--store', storeDir, '--session', 'tls', '--json']);
      assert.equal(list.code, 0, list.stderr);
      assert.deepEqual((JSON.parse(list.stdout) as { state: string }[]).map((j) => j.state), ['FINISHED'], list.stdout);

      // The password is in no stored file and in no task's command line (only in the task's environment).
      for (const f of fs.readdirSync(storeDir)) assert.ok(!fs.readFileSync(path.join(storeDir, f), 'utf8').includes(PASSWORD), `${f} holds no password`);
      const tasks = await liveTasks(cluster, snap.frameworkId);
      assert.equal(tasks.length, 3);
      for (const t of tasks) assert.ok(!JSON.stringify(t).includes(PASSWORD), `the master's view of ${t.task_id.value} holds no password`);
    });

    test('a wrong CA, a host name not in the certificate, and http against the https JobManager: each a clear error naming the fix, exit code 3', async () => {
      const url = snap.jobManagerUrl!;
      const wrongCa = await cli(['list', '-m', url, '--flink-rest-ca', stores.otherCaPem]);
      assert.equal(wrongCa.code, 3, wrongCa.stderr);
      assert.match(wrongCa.stderr, /presents a certificate that the CA this client trusts did not sign/);
      assert.match(wrongCa.stderr, /--flink-rest-ca FILE/);

      const byName = await cli(['list', '-m', url.replace(/127\.0\.0\.1[1-3]/, 'localhost'), '--flink-rest-ca', stores.caPem]);
      assert.equal(byName.code, 3, byName.stderr);
      assert.match(byName.stderr, /is not issued for the host "localhost"/);
      assert.match(byName.stderr, /subjectAltName/);

      const plain = await cli(['list', '-m', url.replace(/^https:/, 'http:')]);
      assert.equal(plain.code, 3, plain.stderr);
      assert.match(plain.stderr, /speaks https \(REST TLS, security\.ssl\.rest\.enabled\)/);
      assert.match(plain.stderr, new RegExp(`Use ${url.replace(/[.]/g, '\\.')}`));

      const stop = await session!.stop();
      assert.deepEqual(stop.leftTasks, []);
      session = undefined;
    });

    test('WordCount as an application with internal and REST TLS (flink-mesos application start): followed over https verified against the CA, the right counts, the framework torn down, the password on no saved file', async () => {
      const input = path.join(work, 'app-words.txt');
      const output = path.join(work, 'app-counts');
      fs.writeFileSync(input, WORDS);
      const master = cluster.masterUrls.map((u) => u.replace(/^http:\/\//, '')).join(',');
      const r = await cli(['application', 'start', '-m', master, '--flink-home', flink.flinkHome, '--name', 'tls-app', '-n', '1', '--slots', '1',
        '-tm', String(REAL_TM_MEMORY_MB), '-jm', String(REAL_JM_MEMORY_MB), '-tmc', '0.5', '-jmc', '0.5', '--store', storeDir,
        '--flink-ssl-keystore', `file://${stores.internalKeystore}`, '--flink-ssl-truststore', `file://${stores.internalKeystore}`,
        '--flink-ssl-rest-keystore', stores.restKeystore, '--flink-ssl-rest-truststore', stores.restTruststore, '--flink-rest-ca', stores.caPem,
        `file://${flink.jobs.wordCount}`, '--input', input, '--output', output], { FLINK_SSL_PASSWORD: PASSWORD });
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.match(r.stderr, /JobManager up at https:\/\/127\.0\.0\.1[1-3]:\d+/, 'the application\'s JobManager speaks https');
      assert.match(r.stdout, /Application tls-app succeeded \(job [0-9a-f]{32} FINISHED\)/);
      assert.match(r.stdout, /The framework was torn down: no task is left\./);
      const counts = Object.fromEntries(fs.readFileSync(output, 'utf8').trim().split('\n').map((l) => l.split(' ')));
      assert.deepEqual(counts, { to: '2', be: '2', or: '1', not: '1', that: '1', is: '1', the: '1', question: '1' });
      const kept = fs.readFileSync(path.join(storeDir, 'applications', 'tls-app.json'), 'utf8');
      assert.ok(!kept.includes(PASSWORD), 'the kept result holds no password');
      const frameworkId = (JSON.parse(kept) as { frameworkId?: string }).frameworkId;
      assert.ok(frameworkId, kept);
      assert.deepEqual(await liveTasks(cluster, frameworkId), [], 'no task left');
    });
  });
}
