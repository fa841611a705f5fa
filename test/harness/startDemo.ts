// `npm start` (after scripts/start.sh has built): VS Code web with the extension loaded, a local Mesos stand-in
// cluster whose agents run real Apache Flink (the newest tested 2.x, provisioned into the user cache on first use), and
// a demo workspace (our WordCount test jar + input text) whose settings point the extension at that cluster and Flink.
// Stays in the foreground until Ctrl-C, then stops everything it started.
//   options: --port N (VS Code web, default: a free port)  --agents N (default 3)  --no-cluster
//            --flink standin|VERSION (default: the newest tested real Flink)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../repoRoot';
import type { MesosCluster, MesosClusterOptions } from '../standin/mesos/MesosCluster';
import { ensureCodeServer, startCodeServer, type CodeServerHandle } from './codeServer';
import { DEFAULT_DEMO_FLINK, REAL_FLINK_SESSION_SETTINGS, parseFlinkChoice, provisionRealFlink, type DemoFlinkChoice, type ProvisionedRealFlink } from './demoFlink';
import { ProvisionError } from './realFlink';
import { writeWordCountJar } from './sampleJar';
import { extensionUnderTest, workbenchUrl } from './workbench';

interface DemoArgs { port: number; agents: number; cluster: boolean; flink: DemoFlinkChoice }

export function parseArgs(argv: string[]): DemoArgs {
  const args: DemoArgs = { port: 0, agents: 3, cluster: true, flink: DEFAULT_DEMO_FLINK };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = (name: string): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0) throw new Error(`${name} needs a whole number, got "${argv[i] ?? ''}"`);
      return v;
    };
    if (a === '--port') args.port = num('--port');
    else if (a === '--agents') args.agents = num('--agents');
    else if (a === '--no-cluster') args.cluster = false;
    else if (a === '--flink') args.flink = parseFlinkChoice(argv[++i]);
    else if (a.startsWith('--flink=')) args.flink = parseFlinkChoice(a.slice('--flink='.length));
    else throw new Error(`unknown option "${a}"; use --port N, --agents N, --no-cluster, --flink standin|VERSION`);
  }
  return args;
}

type ClusterModule = { MesosCluster: { start(opts?: MesosClusterOptions): Promise<MesosCluster> } };

/** The stand-in cluster module when it has been written and compiled (another part of the project). */
function loadClusterModule(): ClusterModule | undefined {
  const compiled = path.resolve(__dirname, '..', 'standin', 'mesos', 'MesosCluster.js');
  if (!fs.existsSync(compiled)) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(compiled) as ClusterModule;
}

function writeInputText(root: string, file: string): void {
  fs.copyFileSync(path.join(root, 'LICENSE'), file);
}

async function main(): Promise<void> {
  let args: DemoArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`npm start: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const root = repoRoot(__dirname);
  const extensionDir = extensionUnderTest(root);
  const say = (line: string): void => { process.stdout.write(`${line}\n`); };

  let cluster: MesosCluster | undefined;
  let server: CodeServerHandle | undefined;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fom-demo-'));
  let stopping = false;
  const stopAll = async (code: number): Promise<never> => {
    if (!stopping) {
      stopping = true;
      say('stopping VS Code web and the cluster ...');
      await server?.stop().catch(() => undefined);
      await cluster?.stop().catch((e: Error) => say(`cluster stop failed: ${e.message}`));
      fs.rmSync(tmp, { recursive: true, force: true });
      say('stopped');
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  try {
    const csDir = await ensureCodeServer();

    const workspace = path.join(root, '.demo-workspace');
    fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
    let real: ProvisionedRealFlink | undefined;
    let jar: { file: string; mainClass: string };
    if (args.flink.kind === 'real') {
      real = provisionRealFlink(args.flink.version, say);
      jar = { file: path.join(workspace, 'WordCount.jar'), mainClass: real.wordCountClass };
      fs.copyFileSync(real.wordCountJar, jar.file);
      fs.copyFileSync(real.failingJar, path.join(workspace, 'FailingJob.jar'));
    } else {
      say('Flink: the stand-in (--flink standin)');
      jar = await writeWordCountJar(path.join(workspace, 'WordCount.jar'));
      fs.rmSync(path.join(workspace, 'FailingJob.jar'), { force: true });
    }
    writeInputText(root, path.join(workspace, 'input.txt'));

    const settings: Record<string, unknown> = real ? { ...REAL_FLINK_SESSION_SETTINGS } : {};
    if (!args.cluster) {
      say('cluster: not started (--no-cluster)');
    } else {
      const mod = loadClusterModule();
      if (!mod) {
        say('cluster: the Mesos stand-in (test/standin/mesos/MesosCluster.ts) is not built yet; starting VS Code without a cluster');
      } else {
        say(`cluster: starting a Mesos stand-in with ${args.agents} agents ...`);
        // Tasks get JAVA_HOME from their agent's environment, as on a real Mesos agent started with it set.
        cluster = await mod.MesosCluster.start({
          agents: args.agents,
          ...(real ? { flinkHome: real.flinkHome, agentEnvironment: { JAVA_HOME: real.javaHome } } : {}),
        });
        settings['flinkMesos.master'] = new URL(cluster.leaderUrl).host;
        settings['flinkMesos.flinkLocation'] = cluster.flinkHome;
      }
    }
    const settingsFile = path.join(workspace, '.vscode', 'settings.json');
    fs.writeFileSync(settingsFile, JSON.stringify(settings, null, 2) + '\n');

    server = await startCodeServer({
      workspace, port: args.port, codeServerDir: csDir,
      userDataDir: path.join(tmp, 'user-data'), extensionsDir: path.join(tmp, 'extensions'),
      // Offline like the tests (no gallery, updates or telemetry: codeServer.ts); only the refusing guard is left out.
      settings: {}, netGuard: false,
    });
    server.process.on('exit', () => {
      if (!stopping) {
        say(`VS Code web exited on its own; last output:\n${server?.recentOutput().slice(-20).join('\n')}`);
        void stopAll(1);
      }
    });
    const url = workbenchUrl({ serverUrl: server.url, workspace, extensionDevelopmentPath: extensionDir });

    say('');
    say('Flink on Mesos demo is running.');
    say(`  workspace:     ${workspace} (${path.basename(jar.file)}: ${jar.mainClass}; input.txt${real ? '; FailingJob.jar' : ''})`);
    say(`  submit with:   --input ${path.join(workspace, 'input.txt')} --output ${path.join(workspace, 'counts.txt')}`);
    if (cluster) {
      say(`  Mesos leader:  ${cluster.leaderUrl}  (flinkMesos.master = ${String(settings['flinkMesos.master'])})`);
      for (const a of cluster.agents) say(`  Mesos agent:   ${a.id} at ${a.url}`);
      say(`  Flink home:    ${cluster.flinkHome} (${real ? `real Flink ${real.version}, JAVA_HOME ${real.javaHome} from the agents` : 'the stand-in'})`);
    }
    say(`  VS Code web:   ${server.url} (plain, without the extension under development)`);
    say('');
    say('Open this address in a browser (the extension is loaded from this repository):');
    say(url);
    say('');
    say('Press Ctrl-C to stop.');
  } catch (err) {
    say(`demo failed: ${(err as Error).message}`);
    // A failed download or a missing JDK keeps the provisioning's exit code (3, 4), as `npm run provision:flink` does.
    await stopAll(err instanceof ProvisionError ? err.exitCode : 1);
  }
}

if (require.main === module) void main();
