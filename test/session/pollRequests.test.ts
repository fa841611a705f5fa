// The requests one session's polling makes (issue 19, requests_per_min_visible): the real SessionManager (vscode shim)
// against a JobManager whose answers the test changes, the clock moved by hand. A minute of 5 s polls with the tree and a
// TaskManager panel must stay within 2 requests per poll, and a change the overview shows must reach the tree in that poll.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as os from 'node:os';
import type { AddressInfo } from 'node:net';
import { installVscodeShim } from '../bench/vscodeShim';

installVscodeShim();
/* eslint-disable @typescript-eslint/no-require-imports */
const { SessionModel } = require('../../src/session/SessionModel') as typeof import('../../src/session/SessionModel');
const { SessionManager } = require('../../src/session/SessionManager') as typeof import('../../src/session/SessionManager');
const { StreamingJobService } = require('../../src/session/StreamingJobService') as typeof import('../../src/session/StreamingJobService');
const { SavepointHistoryStore } = require('../../src/core/session/SavepointHistoryStore') as typeof import('../../src/core/session/SavepointHistoryStore');
const { LIST_REFRESH_POLLS } = require('../../src/session/flinkPollPlan') as typeof import('../../src/session/flinkPollPlan');
/* eslint-enable @typescript-eslint/no-require-imports */

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const POLL_MS = 5000; // the default flinkMesos.pollingInterval

interface Jm { url: string; paths: string[]; state: { tms: string[]; jobs: { jid: string; state: string }[]; freeSlots: number; noJars?: boolean }; close(): Promise<void> }

async function fakeJobManager(): Promise<Jm> {
  const paths: string[] = [];
  const state: Jm['state'] = { freeSlots: 1, tms: ['tm-1', 'tm-2', 'tm-3'], jobs: [{ jid: 'a'.repeat(32), state: 'RUNNING' }, { jid: 'b'.repeat(32), state: 'FINISHED' }] };
  const tm = (id: string): Record<string, unknown> => ({ id, path: `akka.tcp://flink@10.0.0.1:6122/user/rpc/${id}`, slotsNumber: 2, freeSlots: state.freeSlots, timeSinceLastHeartbeat: Date.now(), memoryConfiguration: { totalProcessMemory: 1073741824 } });
  const server = http.createServer((req, res) => {
    const p = (req.url ?? '/').split('?')[0];
    paths.push(p);
    const running = state.jobs.filter((j) => j.state === 'RUNNING').length;
    let body: unknown;
    if (p === '/config') body = { 'flink-version': '1.19.1', 'refresh-interval': 3000 };
    else if (p === '/overview') body = { taskmanagers: state.tms.length, 'slots-total': 2 * state.tms.length, 'slots-available': state.tms.length, 'jobs-running': running, 'jobs-finished': state.jobs.length - running, 'jobs-cancelled': 0, 'jobs-failed': 0, 'flink-version': '1.19.1' };
    else if (p === '/taskmanagers') body = { taskmanagers: state.tms.map(tm) };
    else if (p === '/jobs/overview') body = { jobs: state.jobs.map((j) => ({ ...j, name: `job ${j.jid[0]}`, 'start-time': 1, 'end-time': -1, duration: 5, tasks: {} })) };
    else if (p === '/jars' && !state.noJars) body = { address: 'x', files: [] };
    else if (/^\/jobs\/[^/]+\/checkpoints\/config$/.test(p)) body = { interval: 1000, mode: 'exactly_once' };
    else if (/^\/jobs\/[^/]+\/checkpoints$/.test(p)) body = { counts: { completed: 1, failed: 0, in_progress: 0 }, history: [], latest: { completed: { latest_ack_timestamp: 1000, trigger_timestamp: 900 }, failed: null } };
    else if (/^\/taskmanagers\/[^/]+\/log$/.test(p)) { res.end('line 1\nline 2\n'); return; }
    else if (/^\/taskmanagers\/[^/]+$/.test(p)) body = { ...tm(decodeURIComponent(p.split('/')[2])), metrics: { heapUsed: 1, heapMax: 2, nonHeapUsed: 1, nonHeapMax: 2 } };
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { errors: ['Not found'] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, paths, state, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

let jm: Jm;
const realNow = Date.now;
let clock = realNow();
before(async () => {
  jm = await fakeJobManager();
  Date.now = () => clock;
});
after(async () => {
  Date.now = realNow;
  await jm.close();
});

test('a minute of polls with the tree and a TaskManager panel: at most 2 requests per poll; an overview change reaches the tree in that poll', async () => {
  const model = new SessionModel();
  const manager = new SessionManager(model, quiet, 10000, undefined, new StreamingJobService(new SavepointHistoryStore(os.tmpdir()), quiet));
  try {
    await manager.attachJobManager('s', jm.url);
    await manager.taskManager('s', 'tm-2'); // the panel opens: its first load reads details and log
    const poll = async (): Promise<void> => {
      clock += POLL_MS;
      await manager.refreshAll(false); // the timer's poll
      await manager.taskManager('s', 'tm-2'); // the render that the model change schedules
      await manager.taskManager('s', 'tm-2'); // the panel's own poll
    };
    for (let i = 0; i < 3; i++) await poll(); // past the opening reads
    jm.paths.length = 0;
    for (let i = 0; i < 12; i++) await poll();
    const counts = new Map<string, number>();
    for (const p of jm.paths) counts.set(p, (counts.get(p) ?? 0) + 1);
    assert.ok(jm.paths.length <= 24, `a minute of 5 s polls made ${jm.paths.length} requests: ${JSON.stringify(Object.fromEntries(counts))}`);
    assert.equal(jm.paths.filter((p) => p === '/overview').length, 12, 'the overview is read on every poll');
    assert.ok(jm.paths.filter((p) => p === '/taskmanagers').length >= 1, `the lists are read at least every ${LIST_REFRESH_POLLS} polls`);
    // A TaskManager leaves: the overview's count moves, and the same poll reads the list.
    jm.state.tms = ['tm-1', 'tm-2'];
    jm.paths.length = 0;
    await poll();
    assert.ok(jm.paths.includes('/taskmanagers'), 'a changed overview makes the poll read the TaskManager list');
    assert.deepEqual(model.get('s')?.taskManagers.map((t) => t.id).sort(), ['tm-1', 'tm-2']);
    // A job ends: the overview's counts move, the job list is read, and the tree shows the new state.
    jm.state.jobs[0].state = 'CANCELED';
    await poll();
    assert.equal(model.get('s')?.jobs.find((j) => j.id === 'a'.repeat(32))?.state, 'CANCELED');
    // The panel shows the slots the tree shows (one snapshot), and its Refresh reads Flink now.
    const tmData = await manager.taskManager('s', 'tm-2');
    const treeTm = model.get('s')?.taskManagers.find((t) => t.id === 'tm-2');
    assert.deepEqual([tmData?.slotsFree, tmData?.slotsTotal], [treeTm?.slotsFree, treeTm?.slotsTotal]);
    jm.paths.length = 0;
    await manager.taskManager('s', 'tm-2', true);
    assert.deepEqual(jm.paths.sort(), ['/taskmanagers/tm-2', '/taskmanagers/tm-2/log']);
    // The sidebar hidden (no tree polls), the panel alone: its details read still brings the TaskManager's slots to both.
    jm.state.freeSlots = 0;
    for (let i = 0; i < 2; i++) { clock += POLL_MS; await manager.taskManager('s', 'tm-2'); }
    assert.equal((await manager.taskManager('s', 'tm-2'))?.slotsFree, 0, 'the panel shows the slots its details read');
    assert.equal(model.get('s')?.taskManagers.find((t) => t.id === 'tm-2')?.slotsFree, 0, 'and the tree shows the same');
  } finally {
    manager.dispose();
  }
});

test('a JobManager without /jars (an application cluster answers 404): asked once, not on every poll after', async () => {
  const model = new SessionModel();
  const manager = new SessionManager(model, quiet, 10000);
  jm.state.noJars = true;
  jm.paths.length = 0;
  try {
    await manager.attachJobManager('app', jm.url);
    for (let i = 0; i < 12; i++) {
      clock += POLL_MS;
      await manager.refreshAll(i % 3 === 0); // forced refreshes too
    }
    const asked = jm.paths.filter((p) => p === '/jars').length;
    assert.equal(asked, 1, `GET /jars ${asked} times in a minute of polls`);
    assert.deepEqual(model.get('app')?.jars ?? [], []);
  } finally {
    jm.state.noJars = false;
    manager.dispose();
  }
});
