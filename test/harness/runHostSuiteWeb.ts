// `npm run test:host`: the extension-host suite (out/test/suite) inside VS Code web (code-server) driven by Chromium.
// The workbench loads the repository as the extension under development and runs the suite's `run()` in the
// server's Node extension host; the page reports the result through window.codeAutomationExit.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as util from 'node:util';
import { repoRoot } from '../repoRoot';
import { ensureCodeServer, startCodeServer, type CodeServerHandle } from './codeServer';
import { SUITE_LINE_PREFIX } from '../suite/index';
import { loopbackViolations } from './loopbackGuard';
import { extensionUnderTest, openWorkbench, screenshot, type Workbench } from './workbench';

const VERBOSE = process.env.HOST_SUITE_VERBOSE === '1';
const TIMEOUT_MS = Number(process.env.HOST_SUITE_TIMEOUT_MS ?? 5 * 60_000);
// Noise of an offline workbench that says nothing about the suite.
const NOISE = [/marketplace|gallery|open-vsx|update\.code\.visualstudio/i, /workspace trust/i, /ERR_NAME_NOT_RESOLVED|ERR_INTERNET_DISCONNECTED/];

async function main(): Promise<number> {
  const started = Date.now();
  const root = repoRoot(__dirname);
  const testsPath = path.resolve(__dirname, '..', 'suite', 'index.js');
  if (!fs.existsSync(testsPath)) throw new Error(`no compiled suite at ${testsPath}: run "npm run compile:tests" first`);
  const extensionDir = extensionUnderTest(root);

  const csDir = await ensureCodeServer();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fom-host-suite-'));
  const workspace = path.join(tmp, 'workspace');
  fs.mkdirSync(workspace);
  // The extension keeps sessions in the command line's store: a test's own, never the user's ~/.flink-mesos.
  process.env.FLINK_MESOS_HOME = path.join(tmp, 'flink-mesos-home');
  let server: CodeServerHandle | undefined;
  let workbench: Workbench | undefined;
  const cleanup = async (): Promise<void> => {
    await workbench?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    process.stderr.write(`host suite: ${sig}, stopping\n`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    server = await startCodeServer({
      workspace, codeServerDir: csDir,
      userDataDir: path.join(tmp, 'user-data'), extensionsDir: path.join(tmp, 'extensions'),
    });
    log(`code-server on ${server.url} (started in ${sec(started)} s)`);
    let settle: (code: number) => void = () => undefined;
    let done = false;
    const exited = new Promise<number>((resolve) => { settle = resolve; });
    workbench = await openWorkbench({
      serverUrl: server.url, workspace,
      extensionDevelopmentPath: extensionDir,
      extensionTestsPath: testsPath,
      waitForReady: false,
      beforeNavigate: async (page) => {
        await page.exposeFunction('codeAutomationLog', (level: string, raw: unknown) => {
          if (done) return; // shutdown chatter after the result
          // Workbench lines arrive as strings, the extension host's console lines as argument arrays.
          const message = Array.isArray(raw) ? util.format(...(raw as unknown[])) : String(raw);
          if (message.startsWith(SUITE_LINE_PREFIX)) process.stdout.write(`${message.slice(SUITE_LINE_PREFIX.length)}\n`);
          else if (VERBOSE || ((level === 'error' || level === 'warn') && !NOISE.some((n) => n.test(message)))) log(`[workbench ${level}] ${message}`);
        });
        await page.exposeFunction('codeAutomationExit', (code: number) => {
          done = true;
          settle(code);
        });
      },
      onConsole: VERBOSE ? (type, text) => log(`[console ${type}] ${text}`) : undefined,
    });
    log(`workbench opened; running the suite (timeout ${TIMEOUT_MS / 1000} s)`);
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), TIMEOUT_MS).unref());
    const result = await Promise.race([exited, timeout]);
    if (result === 'timeout') {
      const shot = await screenshot(workbench.page, 'host-suite-timeout').catch(() => '(no screenshot)');
      log(`the suite did not finish within ${TIMEOUT_MS / 1000} s (HOST_SUITE_TIMEOUT_MS); screenshot: ${shot}`);
      log(`code-server's last output:\n${server.recentOutput().slice(-30).join('\n')}`);
      return 1;
    }
    log(`${result === 0 ? 'passed' : 'FAILED'} (exit code ${result}) in ${sec(started)} s`);
    // Issue 18: nothing but loopback, in the browser and in code-server's processes.
    const violation = loopbackViolations(workbench.network, server.netLog());
    if (violation) {
      log(violation);
      return 1;
    }
    log(`loopback only: ${workbench.network.all.length} browser requests, ${server.netLog().processes.length} code-server processes watched`);
    return result;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
  }
}

function log(line: string): void {
  process.stderr.write(`host suite: ${line}\n`);
}

function sec(since: number): string {
  return ((Date.now() - since) / 1000).toFixed(1);
}

main().then((code) => process.exit(code), (err: Error) => {
  process.stderr.write(`host suite: ${err.message}\n`);
  process.exit(1);
});
