// Provisions VS Code web (the `code-server` npm package) offline and starts it.
// Recipe: /work/shared/notes/vscode-offline-testing.md. The build is cached per version in the user's cache folder,
// built in a temp sibling and renamed only when complete, so an interrupted build is redone and later runs reuse it.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../helpers/freePort';
import { readServerNetLog, type ServerNetLog } from './loopbackGuard';

export const CODE_SERVER_VERSION = '4.100.3';
const COMPLETE_MARKER = '.provisioned';

export type ProgressLog = (line: string) => void;
const defaultLog: ProgressLog = (line) => process.stderr.write(`[code-server] ${line}\n`);

/** `${XDG_CACHE_HOME:-~/.cache}/flink-on-mesos`. */
export function cacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME && path.isAbsolute(process.env.XDG_CACHE_HOME)
    ? process.env.XDG_CACHE_HOME
    : path.join(os.homedir(), '.cache');
  return path.join(base, 'flink-on-mesos');
}

/** The cached, complete build for a version (it may not exist yet). */
export function codeServerDir(version: string = CODE_SERVER_VERSION): string {
  return path.join(cacheRoot(), `code-server-${version}`);
}

/** The code-server entry script inside a provisioned folder. */
export function codeServerEntry(dir: string = codeServerDir()): string {
  return path.join(dir, 'package', 'out', 'node', 'entry.js');
}

export function isProvisioned(dir: string = codeServerDir()): boolean {
  return fs.existsSync(path.join(dir, COMPLETE_MARKER)) && fs.existsSync(codeServerEntry(dir));
}

/** Returns the provisioned folder, building it first when missing (1-3 minutes on 2 cores). */
export async function ensureCodeServer(opts: { version?: string; log?: ProgressLog } = {}): Promise<string> {
  const version = opts.version ?? CODE_SERVER_VERSION;
  const log = opts.log ?? defaultLog;
  const dir = codeServerDir(version);
  if (isProvisioned(dir)) return dir;
  checkSystemPrerequisites();

  fs.mkdirSync(path.dirname(dir), { recursive: true });
  removeStaleTempBuilds(dir, log);
  if (fs.existsSync(dir)) {
    log(`${dir} exists without its completion marker: removing it and building again`);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  const started = Date.now();
  log(`provisioning code-server ${version} into ${dir} (one time, 1-3 minutes; build log: ${path.join(tmp, 'build.log')})`);
  // An interrupted build must not leave npm or a compiler running on in the background.
  const onSignal = (sig: NodeJS.Signals): void => {
    killBuildStep();
    process.off(sig, onSignal);
    if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', killBuildStep);
  try {
    await buildInto(tmp, version, log);
    fs.writeFileSync(path.join(tmp, COMPLETE_MARKER), JSON.stringify({ version, builtAt: new Date().toISOString(), node: process.version }) + '\n');
    try {
      fs.renameSync(tmp, dir);
    } catch (err) {
      // Another run finished first: keep its build.
      if (!isProvisioned(dir)) throw err;
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  } catch (err) {
    log(`provisioning failed; the partial build stays in ${tmp} for inspection and is removed by the next run`);
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', killBuildStep);
  }
  log(`code-server ${version} ready in ${Math.round((Date.now() - started) / 1000)} s (${dir})`);
  return dir;
}

function checkSystemPrerequisites(): void {
  const missing: string[] = [];
  if (!fs.existsSync('/usr/include/gssapi/gssapi.h') && !fs.existsSync('/usr/include/krb5.h')) missing.push('libkrb5-dev');
  for (const [tool, pkg] of [['make', 'make'], ['g++', 'g++'], ['python3', 'python3']] as const) {
    if (!onPath(tool)) missing.push(pkg);
  }
  if (missing.length > 0) {
    throw new Error(`building code-server's native modules needs the Debian packages: ${missing.join(' ')}. ` +
      `Install them with: sudo apt-get install -y ${missing.join(' ')}`);
  }
}

function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((d) => d && fs.existsSync(path.join(d, tool)));
}

/** Removes `<dir>.tmp-<pid>` folders whose builder process is gone (an interrupted build). */
function removeStaleTempBuilds(dir: string, log: ProgressLog): void {
  const parent = path.dirname(dir);
  const prefix = `${path.basename(dir)}.tmp-`;
  for (const name of fs.readdirSync(parent)) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    if (Number.isInteger(pid) && pid !== process.pid && processAlive(pid)) continue;
    log(`removing the interrupted build ${path.join(parent, name)}`);
    fs.rmSync(path.join(parent, name), { recursive: true, force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Node's headers next to the running node (Debian and most installs ship them): node-gyp then needs no download. */
function localNodeDir(): string | undefined {
  const prefix = path.dirname(path.dirname(process.execPath));
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node.h')) ? prefix : undefined;
}

/** npm's bundled node-gyp, so that no download is needed; falls back to npx. */
function nodeGypCommand(): string[] {
  const bundled = [
    path.join(path.dirname(path.dirname(process.execPath)), 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    path.join(path.dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ].find((p) => fs.existsSync(p));
  return bundled ? [process.execPath, bundled] : ['npx', '--yes', 'node-gyp'];
}

async function buildInto(tmp: string, version: string, log: ProgressLog): Promise<void> {
  const buildLog = path.join(tmp, 'build.log');
  const nodeDir = localNodeDir();
  const env: NodeJS.ProcessEnv = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
  if (nodeDir) env.npm_config_nodedir = nodeDir;
  const run = (label: string, cmd: string[], cwd: string): Promise<void> => runLogged(label, cmd, cwd, env, buildLog, log);

  await run('download the code-server package', ['npm', 'pack', `code-server@${version}`, '--silent'], tmp);
  const tgz = fs.readdirSync(tmp).find((f) => f.startsWith('code-server-') && f.endsWith('.tgz'));
  if (!tgz) throw new Error(`npm pack produced no code-server-*.tgz in ${tmp}; see ${buildLog}`);
  await run('unpack', ['tar', '-xzf', tgz], tmp);
  fs.rmSync(path.join(tmp, tgz));

  const pkg = path.join(tmp, 'package');
  const vscode = path.join(pkg, 'lib', 'vscode');
  const noScripts = ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--no-package-lock'];
  await run('install code-server dependencies', ['npm', ...noScripts], pkg);
  await run('build argon2', ['npm', 'rebuild', 'argon2', '--build-from-source'], pkg);
  await run('install VS Code dependencies', ['npm', ...noScripts], vscode);
  await run('build @vscode/spdlog, kerberos, native-watchdog, @vscode/deviceid',
    ['npm', 'rebuild', '@vscode/spdlog', 'kerberos', 'native-watchdog', '@vscode/deviceid'], vscode);
  const gyp = nodeGypCommand();
  const gypArgs = ['rebuild', ...(nodeDir ? [`--nodedir=${nodeDir}`] : [])];
  for (const mod of ['node-pty', '@parcel/watcher']) {
    await run(`build ${mod}`, [...gyp, ...gypArgs], path.join(vscode, 'node_modules', mod));
  }
  const expectNative = [
    path.join(vscode, 'node_modules', 'node-pty', 'build', 'Release', 'pty.node'),
    path.join(vscode, 'node_modules', '@parcel', 'watcher', 'build', 'Release', 'watcher.node'),
  ];
  for (const f of expectNative) if (!fs.existsSync(f)) throw new Error(`native build left no ${f}; see ${buildLog}`);
  const asar = path.join(vscode, 'node_modules.asar');
  fs.rmSync(asar, { force: true });
  fs.symlinkSync('node_modules', asar);
  await run('install built-in extension dependencies', ['npm', ...noScripts], path.join(vscode, 'extensions'));
}

let buildStep: ChildProcess | undefined;

function killBuildStep(): void {
  if (buildStep?.pid === undefined || buildStep.exitCode !== null) return;
  try { process.kill(-buildStep.pid, 'SIGKILL'); } catch { /* already gone */ }
}

function runLogged(label: string, cmd: string[], cwd: string, env: NodeJS.ProcessEnv, buildLog: string, log: ProgressLog): Promise<void> {
  const started = Date.now();
  log(`${label} ...`);
  fs.appendFileSync(buildLog, `\n$ (cd ${cwd} && ${cmd.join(' ')})\n`);
  return new Promise((resolve, reject) => {
    const out = fs.openSync(buildLog, 'a');
    // Own process group, so that an interrupt can stop the step with everything it started (node-gyp, make, g++).
    const child = spawn(cmd[0], cmd.slice(1), { cwd, env, stdio: ['ignore', out, out], detached: true });
    buildStep = child;
    child.on('error', (err) => {
      fs.closeSync(out);
      reject(new Error(`${label}: could not run ${cmd[0]}: ${err.message}`));
    });
    child.on('exit', (code, signal) => {
      fs.closeSync(out);
      if (code === 0) {
        log(`${label} done (${((Date.now() - started) / 1000).toFixed(1)} s)`);
        resolve();
      } else {
        reject(new Error(`${label} failed (${signal ?? `exit ${code}`}): ${cmd.join(' ')} in ${cwd}\n` +
          `last lines of ${buildLog}:\n${tail(fs.readFileSync(buildLog, 'utf8'), 30)}`));
      }
    });
  });
}

function tail(text: string, lines: number): string {
  return text.split('\n').slice(-lines).join('\n');
}


export interface StartCodeServerOptions {
  workspace: string;
  /** 0 or omitted: a free port. */
  port?: number;
  userDataDir: string;
  extensionsDir: string;
  /** User settings (merged over quiet defaults) written to `<userDataDir>/User/settings.json`. */
  settings?: Record<string, unknown>;
  /** The provisioned folder; default: ensureCodeServer(). */
  codeServerDir?: string;
  /** Server output lines (default: kept, shown only when start-up fails). */
  onOutput?: (line: string) => void;
  startTimeoutMs?: number;
  /**
   * Preload netGuard.js into the server's Node processes, which records and refuses every connection attempt or host
   * look-up that is not loopback (default true; `npm start` turns it off, the tests keep it).
   */
  netGuard?: boolean;
}

export interface CodeServerHandle {
  url: string;               // http://127.0.0.1:PORT
  port: number;
  /** The authority the workbench uses for files on the server: vscode-remote://AUTHORITY/abs/path. */
  authority: string;
  process: ChildProcess;
  /** The server's recent output lines (for error messages). */
  recentOutput(): string[];
  /** What netGuard.js saw so far (empty when the guard is off). */
  netLog(): ServerNetLog;
  stop(): Promise<void>;
}

/** Settings that keep the workbench quiet, deterministic and offline: nothing it does on its own reaches past loopback. */
export const QUIET_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.settings.enableNaturalLanguageSearch': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'update.showReleaseNotes': false,
  'json.schemaDownload.enable': false,
  'npm.fetchOnlinePackageInfo': false,
  'typescript.disableAutomaticTypeAcquisition': true,
  'git.enabled': false,
  'chat.disableAIFeatures': true,
};

/**
 * No extension gallery: code-server reads EXTENSIONS_GALLERY as JSON and, when it is unset or empty, falls back to
 * open-vsx.org; an object without `serviceUrl` leaves the workbench with no gallery at all (it then asks nothing).
 */
export const NO_GALLERY = '{}';

/** The compiled preload (this folder, next to this file once compiled). */
export const NET_GUARD_PRELOAD = path.join(__dirname, 'netGuard.js');

const liveServers = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort when a runner dies without calling stop(): no stray servers.
  process.on('exit', () => {
    for (const child of liveServers) killGroup(child, 'SIGKILL');
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try { child.kill(signal); } catch { /* already gone */ }
  }
}

export async function startCodeServer(opts: StartCodeServerOptions): Promise<CodeServerHandle> {
  const dir = opts.codeServerDir ?? await ensureCodeServer();
  const entry = codeServerEntry(dir);
  if (!fs.existsSync(entry)) throw new Error(`no code-server at ${entry}: run ensureCodeServer() first`);
  if (!fs.existsSync(opts.workspace)) throw new Error(`workspace folder ${opts.workspace} does not exist`);
  fs.mkdirSync(opts.userDataDir, { recursive: true });
  fs.mkdirSync(opts.extensionsDir, { recursive: true });
  const userDir = path.join(opts.userDataDir, 'User');
  fs.mkdirSync(userDir, { recursive: true });
  fs.writeFileSync(path.join(userDir, 'settings.json'), JSON.stringify({ ...QUIET_SETTINGS, ...(opts.settings ?? {}) }, null, 2) + '\n');

  const port = opts.port && opts.port > 0 ? opts.port : await freePort();
  const config = path.join(opts.userDataDir, 'config.yaml');
  // Without --config code-server writes one into the user's home.
  fs.writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const args = [
    entry,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--user-data-dir', opts.userDataDir,
    '--extensions-dir', opts.extensionsDir,
    '--config', config,
    opts.workspace,
  ];
  const env: NodeJS.ProcessEnv = { ...process.env, VSCODE_PROXY_URI: '', PASSWORD: '', EXTENSIONS_GALLERY: NO_GALLERY };
  const netGuardLog = path.join(opts.userDataDir, 'net-guard.log');
  fs.rmSync(netGuardLog, { force: true });
  if (opts.netGuard ?? true) {
    if (!fs.existsSync(NET_GUARD_PRELOAD)) throw new Error(`no ${NET_GUARD_PRELOAD}: run "npm run compile:tests" first`);
    // Inherited by the processes the server forks (extension hosts, file watcher, pty host).
    env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --require ${JSON.stringify(NET_GUARD_PRELOAD)}`.trim();
    env.FOM_NET_GUARD_LOG = netGuardLog;
  }
  const child = spawn(process.execPath, args, {
    detached: true, // own process group: stop() kills the server and its extension hosts together
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  liveServers.add(child);
  installExitHook();

  const recent: string[] = [];
  const onLine = (line: string): void => {
    recent.push(line);
    if (recent.length > 200) recent.shift();
    opts.onOutput?.(line);
  };
  for (const stream of [child.stdout, child.stderr]) {
    let buf = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        onLine(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    });
  }
  let exited: string | undefined;
  const exitPromise = new Promise<void>((resolve) => child.on('exit', (code, signal) => {
    exited = signal ?? `exit ${code}`;
    liveServers.delete(child);
    resolve();
  }));

  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (exited !== undefined) return;
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
    await exitPromise;
    clearTimeout(timer);
    // Extension hosts may outlive the server process for a moment: make sure the group is gone.
    killGroup(child, 'SIGKILL');
  };

  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  while (true) {
    if (exited !== undefined) {
      throw new Error(`code-server exited during start-up (${exited}); its output:\n${recent.slice(-40).join('\n')}`);
    }
    if (await healthy(url)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer on ${url}/healthz within ${opts.startTimeoutMs ?? 60_000} ms; its output:\n${recent.slice(-40).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, port, authority: `127.0.0.1:${port}`, process: child, recentOutput: () => [...recent], netLog: () => readServerNetLog(netGuardLog), stop };
}

function healthy(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(`${url}/healthz`, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => { req.destroy(); resolve(false); });
  });
}

// `node out/test/harness/codeServer.js` provisions (used by scripts that only want the cache filled).
if (require.main === module) {
  ensureCodeServer().then((dir) => {
    process.stdout.write(`${dir}\n`);
  }, (err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  });
}

export { freePort };
