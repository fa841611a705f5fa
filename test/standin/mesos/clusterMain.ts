// `npm run cluster -- --agents N --master-port P [--masters K] [--heartbeat S] [--auth P:S] [--flink-home DIR] [--work-dir DIR]`
// Runs the stand-in cluster in the foreground, prints one JSON line when ready, and stops everything on Ctrl-C or SIGTERM.
import { MesosCluster, type MesosClusterOptions } from './MesosCluster';

const USAGE = 'usage: npm run cluster -- --agents N --master-port P [--masters K] [--heartbeat SECONDS] [--auth PRINCIPAL:SECRET] [--flink-home DIR] [--work-dir DIR] [--no-process]';

export function parseClusterArgs(argv: string[]): MesosClusterOptions {
  const opts: MesosClusterOptions = {};
  const int = (flag: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < min) throw new Error(`${flag} needs a whole number >= ${min}, got ${v === undefined ? 'nothing' : `'${v}'`}\n${USAGE}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string | undefined => argv[++i];
    switch (flag) {
      case '--agents': opts.agents = int(flag, value(), 0); break;
      case '--master-port': opts.masterPort = int(flag, value(), 0); break;
      case '--masters': opts.masters = int(flag, value(), 1); break;
      case '--heartbeat': {
        const v = value();
        const n = Number(v);
        if (!(n > 0)) throw new Error(`--heartbeat needs a number of seconds > 0, got '${v}'\n${USAGE}`);
        opts.heartbeatSeconds = n;
        break;
      }
      case '--auth': {
        const v = value() ?? '';
        const colon = v.indexOf(':');
        if (colon <= 0) throw new Error(`--auth needs PRINCIPAL:SECRET, got '${v}'\n${USAGE}`);
        (opts.auth ??= []).push({ principal: v.slice(0, colon), secret: v.slice(colon + 1) });
        break;
      }
      case '--flink-home': opts.flinkHome = value(); if (!opts.flinkHome) throw new Error(`--flink-home needs a folder\n${USAGE}`); break;
      case '--work-dir': opts.workDir = value(); if (!opts.workDir) throw new Error(`--work-dir needs a folder\n${USAGE}`); break;
      case '--no-process': opts.noProcess = {}; break;
      case '-h': case '--help': throw new Error(USAGE);
      default: throw new Error(`unknown option '${flag}'\n${USAGE}`);
    }
  }
  return opts;
}

async function main(): Promise<void> {
  let opts: MesosClusterOptions;
  try {
    opts = parseClusterArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  const cluster = await MesosCluster.start(opts);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    cluster.stop().then(() => process.exit(0), (err: Error) => { process.stderr.write(`${err.message}\n`); process.exit(1); });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.stdout.write(JSON.stringify({
    masters: cluster.masterUrls, leader: cluster.leaderUrl,
    agents: cluster.agents.map((a) => ({ id: a.id, url: a.url, hostname: a.hostname })), flinkHome: cluster.flinkHome,
  }) + '\n');
}

if (require.main === module) {
  main().catch((err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  });
}
