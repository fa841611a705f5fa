// Builds the stand-in Flink distribution (a folder laid out like Flink's) into <repo>/out/flink-standin, and packs it as a .tgz.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { repoRoot } from '../../repoRoot';
import { DEFAULT_FLINK_VERSION } from './flinkVersion';

const execFileAsync = promisify(execFile);
const STAMP = '.standin-build-stamp';

function sourceDir(): string {
  return path.join(repoRoot(), 'test', 'standin', 'flink');
}

/** Newest modification time of the sources the distribution is built from. */
function newestSourceMtime(): number {
  let newest = 0;
  for (const name of fs.readdirSync(sourceDir())) {
    if (!name.endsWith('.ts') || name.endsWith('.test.ts')) continue;
    newest = Math.max(newest, fs.statSync(path.join(sourceDir(), name)).mtimeMs);
  }
  return newest;
}

function isFresh(home: string): boolean {
  try {
    const stamp = Number(fs.readFileSync(path.join(home, STAMP), 'utf8'));
    return stamp >= newestSourceMtime() && fs.existsSync(path.join(home, 'lib', 'jobmanager.js')) && fs.existsSync(path.join(home, 'lib', 'taskmanager.js'));
  } catch {
    return false;
  }
}

const CONFIG_SH = (nodeFallback: string): string => `#!/usr/bin/env bash
# Shared by the stand-in's scripts, like Flink's bin/config.sh. FLINK_HOME comes from this script's own place, so the folder can move.
FLINK_HOME=$(cd -- "$bin/.." && pwd -P)
export FLINK_HOME
export FLINK_LOG_DIR="\${FLINK_LOG_DIR:-$FLINK_HOME/log}"
FLINK_PID_DIR="\${FLINK_PID_DIR:-/tmp}"
FLINK_IDENT_STRING="\${FLINK_IDENT_STRING:-\${USER:-$(id -un 2>/dev/null || echo flink)}}"
if [ -n "\${STANDIN_NODE:-}" ]; then
  NODE="$STANDIN_NODE"
elif command -v node >/dev/null 2>&1; then
  NODE=node
else
  NODE=${JSON.stringify(nodeFallback)}
fi

# start|stop daemons the way flink-daemon.sh does: a pid file per service, output in the log folder.
flink_daemon() {
  local action=$1 service=$2 entry=$3
  shift 3
  local pid="$FLINK_PID_DIR/flink-$FLINK_IDENT_STRING-$service.pid"
  case "$action" in
    start)
      mkdir -p "$FLINK_LOG_DIR"
      local out="$FLINK_LOG_DIR/flink-$FLINK_IDENT_STRING-$service-daemon-$(hostname).out"
      nohup "$NODE" "$FLINK_HOME/lib/$entry.js" start "$@" >"$out" 2>&1 </dev/null &
      echo $! >>"$pid"
      echo "Starting $service daemon on host $(hostname)."
      ;;
    stop|stop-all)
      if [ ! -f "$pid" ]; then echo "No $service daemon to stop on host $(hostname)."; return 0; fi
      local pids
      if [ "$action" = stop ]; then pids=$(tail -n 1 "$pid"); else pids=$(cat "$pid"); fi
      for p in $pids; do
        if kill -0 "$p" >/dev/null 2>&1; then echo "Stopping $service daemon (pid: $p) on host $(hostname)."; kill "$p"; else echo "No $service daemon (pid: $p) is running anymore on $(hostname)."; fi
      done
      if [ "$action" = stop ]; then sed -i '$d' "$pid"; else rm -f "$pid"; fi
      [ -s "$pid" ] || rm -f "$pid"
      ;;
  esac
}
`;

const SERVICE_SH = (script: string, service: string, entry: string): string => `#!/usr/bin/env bash
# Stand-in for Flink's bin/${script}: ((start|start-foreground) [args])|stop|stop-all
bin=$(dirname -- "\${BASH_SOURCE[0]:-$0}")
bin=$(cd -- "$bin" && pwd -P)
. "$bin/config.sh"
USAGE="Usage: ${script} ((start|start-foreground) [args])|stop|stop-all"
STARTSTOP=\${1:-}
if [ -z "$STARTSTOP" ]; then echo "$USAGE"; exit 1; fi
shift
case "$STARTSTOP" in
  start-foreground) exec "$NODE" "$FLINK_HOME/lib/${entry}.js" start-foreground "$@" ;;
  start) flink_daemon start ${service} ${entry} "$@" ;;
  stop|stop-all) flink_daemon "$STARTSTOP" ${service} ${entry} ;;
  *) echo "$USAGE"; exit 1 ;;
esac
`;

const FLINK_CONF = `# Stand-in Flink configuration, with the defaults Flink ships in conf/flink-conf.yaml.
# Like Flink 1.13-1.18 the bind addresses are left unset: the JobManager then binds jobmanager.rpc.address
# (so a JobManager started with -Djobmanager.rpc.address=<agent host> is reachable there).
#jobmanager.bind-host: 0.0.0.0
#rest.bind-address: 0.0.0.0
jobmanager.rpc.address: localhost
jobmanager.rpc.port: 6123
jobmanager.memory.process.size: 1600m
taskmanager.memory.process.size: 1728m
taskmanager.numberOfTaskSlots: 1
parallelism.default: 1
jobmanager.execution.failover-strategy: region
rest.port: 8081
web.submit.enable: true
web.cancel.enable: true
heartbeat.interval: 10000
heartbeat.timeout: 50000
`;

async function build(home: string): Promise<void> {
  // esbuild is a devDependency: loaded only when a build is needed.
  const esbuild = (await import('esbuild')) as typeof import('esbuild');
  const lib = path.join(home, 'lib');
  await esbuild.build({
    entryPoints: { jobmanager: path.join(sourceDir(), 'jobManagerMain.ts'), taskmanager: path.join(sourceDir(), 'taskManagerMain.ts') },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outdir: lib,
    logLevel: 'silent',
    sourcemap: false,
  });
  const binDir = path.join(home, 'bin');
  fs.mkdirSync(binDir, { recursive: true });
  fs.mkdirSync(path.join(home, 'conf'), { recursive: true });
  fs.mkdirSync(path.join(home, 'log'), { recursive: true });
  fs.writeFileSync(path.join(binDir, 'config.sh'), CONFIG_SH(process.execPath), { mode: 0o755 });
  fs.writeFileSync(path.join(binDir, 'jobmanager.sh'), SERVICE_SH('jobmanager.sh', 'standalonesession', 'jobmanager'), { mode: 0o755 });
  fs.writeFileSync(path.join(binDir, 'taskmanager.sh'), SERVICE_SH('taskmanager.sh', 'taskexecutor', 'taskmanager'), { mode: 0o755 });
  fs.writeFileSync(path.join(home, 'conf', 'flink-conf.yaml'), FLINK_CONF);
  fs.writeFileSync(path.join(home, 'conf', 'masters'), 'localhost:8081\n');
  fs.writeFileSync(path.join(home, 'conf', 'workers'), 'localhost\n');
  fs.writeFileSync(path.join(home, 'VERSION'), `${DEFAULT_FLINK_VERSION} (stand-in; set -Dstandin.flink-version to imitate another release)\n`);
  fs.writeFileSync(path.join(home, 'README.txt'), 'A stand-in for an Apache Flink distribution, built by test/standin/flink/distribution.ts. For tests only.\n');
  fs.writeFileSync(path.join(home, STAMP), String(Date.now()));
}

let pending: Promise<string> | undefined;

/** Builds <repo>/out/flink-standin when it is missing or older than its sources; returns it (FLINK_HOME). Safe with concurrent builders. */
export function ensureFlinkDistribution(): Promise<string> {
  pending ??= ensure().finally(() => {
    pending = undefined;
  });
  return pending;
}

async function ensure(): Promise<string> {
  const outDir = path.join(repoRoot(), 'out');
  const home = path.join(outDir, 'flink-standin');
  if (isFresh(home)) return home;
  fs.mkdirSync(outDir, { recursive: true });
  const tmp = path.join(outDir, `.flink-standin-build-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await build(tmp);
    for (let attempt = 0; attempt < 10; attempt++) {
      if (isFresh(home)) return home; // another builder won the race
      try {
        fs.renameSync(tmp, home);
        return home;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
        // A stale build is in the way: move it aside (another builder may do the same; both outcomes are fine).
        const old = path.join(outDir, `.flink-standin-old-${randomBytes(4).toString('hex')}`);
        try {
          fs.renameSync(home, old);
          fs.rmSync(old, { recursive: true, force: true });
        } catch {
          // someone else moved it
        }
      }
    }
    throw new Error(`Could not move the stand-in Flink distribution into ${home}: remove that folder and retry`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Packs the distribution as a .tgz whose top folder is flink-standin/ (logs left out), for URI-fetch tests. */
export async function packFlinkDistribution(destTgz: string): Promise<string> {
  const home = await ensureFlinkDistribution();
  fs.mkdirSync(path.dirname(path.resolve(destTgz)), { recursive: true });
  await execFileAsync('tar', ['-czf', path.resolve(destTgz), '--exclude', 'flink-standin/log/*', '-C', path.dirname(home), path.basename(home)]);
  return path.resolve(destTgz);
}
