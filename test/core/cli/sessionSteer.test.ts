// Steering a session from a client that does not drive it: a foreground `session start` takes scale and stop requests from
// another terminal through its control socket and answers them; a request from another Unix user is refused, both by the
// folder permissions and, with those loosened, by the driver itself (no token).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn, type ChildProcess } from 'child_process';
import { runCli } from '../../../src/core/cli/cli';
import { controlPaths } from '../../../src/core/session/sessionControlChannel';
import { MesosCluster } from '../../standin/mesos/MesosCluster';
import { FAST, liveTasks, eventually } from '../session/sessionHarness';
import { bufferIo } from '../../helpers/bufferIo';

const MAIN = path.resolve(__dirname, '../../../src/core/cli/main.js');
const NOBODY = 65534;
const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

describe('flink-mesos session: requests to the driving client', { timeout: 180000 }, () => {
  let cluster: MesosCluster;
  let store: string;
  const children: ChildProcess[] = [];
  const env = (): Record<string, string> => ({ ...process.env as Record<string, string>, FLINK_MESOS_TIMINGS: JSON.stringify(FAST) });
  const master = (): string => cluster.masterUrls[0].replace(/^http:\/\//, '');

  before(async () => {
    cluster = await MesosCluster.start({ agents: 3, heartbeatSeconds: 1, allocationIntervalMs: 100, updateRetryMs: 1000, killGracePeriodMs: 500 });
    store = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-steer-'));
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const n of ['d1', 'd2']) await runCli(['session', 'stop', '--name', n, '--store', store], bufferIo(env())).catch(() => undefined);
    await cluster.stop();
    fs.rmSync(store, { recursive: true, force: true });
  });

  function run(args: string[], opts: { uid?: number } = {}): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
    const child = spawn(process.execPath, args, { env: env(), stdio: ['ignore', 'pipe', 'pipe'], cwd: '/', uid: opts.uid, gid: opts.uid });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, output: () => out, exited };
  }

  const startForeground = async (name: string): Promise<{ driver: ReturnType<typeof run>; frameworkId: string }> => {
    const driver = run([MAIN, 'session', 'start', '-m', master(), '-n', '1', '-tm', '1024', '-jm', '1024', '--flink-home', cluster.flinkHome, '--name', name, '--store', store]);
    await eventually('running in the foreground', async () => /Press Ctrl-C/.test(driver.output()), 60000);
    const frameworkId = (JSON.parse(fs.readFileSync(path.join(store, `${name}.json`), 'utf8')) as { frameworkId: string }).frameworkId;
    return { driver, frameworkId };
  };

  test('another terminal scales and stops a session a foreground "session start" drives; each answer comes back to the one who asked', async () => {
    const { driver, frameworkId } = await startForeground('d1');
    const paths = controlPaths(store, 'd1');
    assert.equal(fs.statSync(paths.dir).mode & 0o777, 0o700, 'the control folder is owner-only');
    assert.equal(fs.statSync(paths.token).mode & 0o777, 0o600, 'the token is owner-only');

    const scale = bufferIo(env());
    assert.equal(await runCli(['session', 'scale', '2', '--name', 'd1', '--json', '--store', store], scale), 0, scale.stderr);
    const answer = JSON.parse(scale.stdout) as { through: string; taskManagers: { registered: number } };
    assert.equal(answer.through, 'driver');
    assert.equal(answer.taskManagers.registered, 2);
    assert.equal((await liveTasks(cluster, frameworkId)).length, 3);
    const fws = await cluster.operator<{ get_frameworks: { frameworks?: { framework_info: { id: { value: string } } }[] } }>({ type: 'GET_FRAMEWORKS' });
    assert.equal(fws.get_frameworks.frameworks?.filter((f) => f.framework_info.id.value === frameworkId).length, 1, 'one framework: the asker never subscribed');

    const stop = bufferIo(env());
    assert.equal(await runCli(['session', 'stop', '--name', 'd1', '--store', store], stop), 0, stop.stderr);
    assert.match(stop.stdout, /Session d1 stopped: the master lists no task of framework/);
    assert.equal(await driver.exited, 0, driver.output());
    assert.match(driver.output(), /Session stopped\./);
    assert.deepEqual(await liveTasks(cluster, frameworkId), []);
    assert.equal(fs.existsSync(path.join(store, 'd1.json')), false);
    assert.equal(fs.existsSync(paths.socket), false, 'the socket goes with the session');
  });

  test('a request from another Unix user is refused: by the owner-only folder, and by the driver when the folder is opened up', { skip: !asRoot && 'needs root to run a requester as another user' }, async () => {
    const { frameworkId } = await startForeground('d2');
    const paths = controlPaths(store, 'd2');
    // The other user's command line cannot even read the saved record.
    fs.chmodSync(store, 0o755);
    const other = run([MAIN, 'session', 'scale', '3', '--name', 'd2', '--store', store], { uid: NOBODY });
    assert.equal(await other.exited, 1, other.output());
    assert.match(other.output(), new RegExp(`d2\\.json belongs to uid 0, and you \\(uid ${NOBODY}\\) cannot read it: only that Unix user can use or steer this session`));
    // Its request through the channel (as if it had the record): refused by the owner-only folder, with who owns it.
    const channel = path.resolve(__dirname, '../../../src/core/session/sessionControlChannel.js');
    const ask = `require(${JSON.stringify(channel)}).sendControlRequest(${JSON.stringify(store)},'d2','scale',{count:3})` +
      '.then(r=>console.log(JSON.stringify({ok:r})),e=>console.log(JSON.stringify({code:e.code,message:e.message})))';
    const asked = run(['-e', ask], { uid: NOBODY });
    assert.equal(await asked.exited, 0, asked.output());
    const refused = JSON.parse(asked.output()) as { code: string; message: string };
    assert.equal(refused.code, 'forbidden', asked.output());
    assert.match(refused.message, new RegExp(`Refused: the session "d2" is driven by another Unix user \\(its control folder ${paths.dir} belongs to uid 0, you are uid ${NOBODY}\\)`));
    assert.equal((await liveTasks(cluster, frameworkId)).length, 2, 'nothing was scaled');

    // The folder and socket opened to everyone: the driver itself refuses a request without the token (which stays 0600).
    fs.chmodSync(paths.dir, 0o755);
    fs.chmodSync(paths.socket, 0o666);
    const raw = `const s=require('net').createConnection(${JSON.stringify(paths.socket)});s.on('data',d=>{process.stdout.write(d);s.end()});` +
      's.on("error",e=>{console.log("error "+e.code);process.exit(9)});' +
      `s.write(JSON.stringify({v:1,id:'x',token:'0'.repeat(64),op:'scale',args:{count:3}})+'\\n');`;
    const forged = run(['-e', raw], { uid: NOBODY });
    assert.equal(await forged.exited, 0, forged.output());
    const refusal = JSON.parse(forged.output()) as { ok: boolean; code: string; error: string };
    assert.equal(refusal.ok, false);
    assert.equal(refusal.code, 'forbidden');
    assert.match(refusal.error, /Refused: the request does not carry the token .* another user/);
    const tokenRead = run(['-e', `require('fs').readFileSync(${JSON.stringify(paths.token)})`], { uid: NOBODY });
    assert.notEqual(await tokenRead.exited, 0, 'the other user cannot read the token');
    assert.equal((await liveTasks(cluster, frameworkId)).length, 2, 'nothing was scaled');

    // The same request from the owner works.
    const mine = bufferIo(env());
    assert.equal(await runCli(['session', 'scale', '2', '--name', 'd2', '--store', store], mine), 0, mine.stderr);
    assert.equal((await liveTasks(cluster, frameworkId)).length, 3);
    fs.chmodSync(store, 0o700);
  });
});
