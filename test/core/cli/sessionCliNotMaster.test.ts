// flink-mesos session start at addresses that are no Mesos master (issue 20, point 5): an agent's address, a plain HTTP
// server, nothing listening. Each says once what the address is and exits 3, and nothing reaches the master.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import type { AddressInfo } from 'net';
import { runCli } from '../../../src/core/cli/cli';
import { MesosCluster } from '../../standin/mesos/MesosCluster';
import { FAST, startCluster, sessionFrameworks } from '../session/sessionHarness';
import { bufferIo } from '../../helpers/bufferIo';
import { freePort } from '../../helpers/freePort';

const count = (text: string, what: string): number => text.split(what).length - 1;

describe('flink-mesos session start: an address that is not a Mesos master', { timeout: 60000 }, () => {
  let cluster: MesosCluster;
  let web: http.Server;
  let webAddress: string;
  let store: string;
  const env = { FLINK_MESOS_TIMINGS: JSON.stringify(FAST) };

  before(async () => {
    cluster = await startCluster({ agents: 1 });
    store = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-not-master-'));
    // A web server's error page, several lines of HTML, as the report saw printed six times.
    web = http.createServer((req, res) => {
      req.resume();
      res.writeHead(404, { 'Content-Type': 'text/html' });
      res.end('<!DOCTYPE html>\n<html>\n<head><title>404 Not Found</title></head>\n<body>\n<center><h1>404 Not Found</h1></center>\n<hr><center>nginx</center>\n</body>\n</html>\n');
    });
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    webAddress = `127.0.0.1:${(web.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((r) => web.close(r));
    await cluster.stop();
    fs.rmSync(store, { recursive: true, force: true });
  });

  async function start(master: string, name: string, extra: string[] = []): Promise<{ code: number; stderr: string; ms: number }> {
    const io = bufferIo(env);
    const t0 = Date.now();
    const code = await runCli(['session', 'start', '-m', master, '--flink-home', cluster.flinkHome, '-n', '1', '--name', name, '--store', store, ...extra], io);
    return { code, stderr: io.stderr, ms: Date.now() - t0 };
  }

  async function nothingRegistered(name: string): Promise<void> {
    const { registered, completed } = await sessionFrameworks(cluster, name);
    assert.deepEqual([registered.length, completed.length], [0, 0], 'GET_FRAMEWORKS: the session never registered a framework');
    const tasks = await cluster.operator<{ get_tasks: Record<string, unknown[] | undefined> }>({ type: 'GET_TASKS' });
    assert.equal(Object.values(tasks.get_tasks).flat().length, 0, 'GET_TASKS: no task anywhere');
    assert.equal(fs.existsSync(path.join(store, `${name}.json`)), false, 'nothing saved');
  }

  test('a Mesos agent\'s address (its /api/v1/scheduler answers 400 agent::Call): "a Mesos agent, not a master", exit 3', async () => {
    const agent = cluster.agents[0];
    const r = await start(`${agent.hostname}:${agent.port}`, 'na-agent');
    assert.equal(r.code, 3, r.stderr);
    assert.equal(count(r.stderr, 'is a Mesos agent, not a master'), 1, r.stderr);
    assert.match(r.stderr, new RegExp(`http://${agent.hostname.replace(/\./g, '\\.')}:${agent.port} is a Mesos agent, not a master \\(it answered SUBSCRIBE with 400 "Failed to validate agent::Call: Expecting 'type' to be present\\."\\)`));
    assert.match(r.stderr, /Pass the address of the Mesos master with -m \(port 5050 by default; agents listen on 5051\)/);
    assert.doesNotMatch(r.stderr, /Fix the framework settings|rejected the subscription|retrying in/);
    assert.ok(r.ms < 5000, `${r.ms} ms`);
    await nothingRegistered('na-agent');
  });

  test('a plain HTTP server: said once with the status and one line of the body, exit 3 at once', async () => {
    const r = await start(webAddress, 'na-web');
    assert.equal(r.code, 3, r.stderr);
    assert.equal(count(r.stderr, 'answers HTTP but is not a Mesos master'), 1, r.stderr);
    assert.ok(r.stderr.includes(`http://${webAddress} answers HTTP but is not a Mesos master (POST /api/v1/scheduler: 404 Not Found: "404 Not Found")`), r.stderr);
    assert.doesNotMatch(r.stderr, /<html|<h1>|nginx|retrying in/);
    const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('warning: The framework user is root'));
    assert.equal(lines.length, 2, `the subscribe line and the error line only:\n${r.stderr}`);
    assert.ok(r.ms < 5000, `not after the ${FAST.subscribeTimeoutMs} ms subscribe timeout: ${r.ms} ms`);
    await nothingRegistered('na-web');
  });

  for (const verbose of [false, true]) {
    test(`nothing listening${verbose ? ' (-v)' : ''}: fails at once, exit 3, and never says "retrying in"`, async () => {
      const port = await freePort();
      const r = await start(`127.0.0.1:${port}`, `na-none${verbose ? '-v' : ''}`, verbose ? ['-v'] : []);
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, new RegExp(`connection to http://127\\.0\\.0\\.1:${port} refused.*Check the master address`));
      assert.doesNotMatch(r.stderr, /retrying/);
      assert.ok(r.ms < 5000, `${r.ms} ms`);
      await nothingRegistered(`na-none${verbose ? '-v' : ''}`);
    });
  }
});
