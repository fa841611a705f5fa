// `npm run test:ui [-- name-filter...]`: runs every compiled `out/test/ui/**/*.flow.js` against VS Code web in Chromium.
// Each flow gets a fresh code-server (own user data and workspace) and a fresh browser context; the browser is shared.
// The last line is "N passed, N failed"; the exit code is non-zero when any flow failed.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { repoRoot } from '../repoRoot';
import { ensureCodeServer, startCodeServer, type CodeServerHandle } from './codeServer';
import type { FlowSetup, UiFlowModule } from './uiFlow';
import * as helpers from './workbench';

const DEFAULT_FLOW_TIMEOUT_MS = 120_000;

function flowFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...flowFiles(p));
    else if (entry.name.endsWith('.flow.js')) found.push(p);
  }
  return found.sort();
}

function loadFlow(file: string): UiFlowModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(file) as Partial<UiFlowModule>;
  if (typeof mod.name !== 'string' || typeof mod.run !== 'function') {
    throw new Error(`${file} must export "name" (string) and "run(ctx)" (function)`);
  }
  return mod as UiFlowModule;
}

/** The last lines of the extension's log channel, as code-server writes it under the user data folder. */
function extensionLogTail(userDataDir: string, lines: number): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/Flink on Mesos\.log$/.test(e.name)) found.push(p);
    }
  };
  try {
    walk(userDataDir);
  } catch {
    return [];
  }
  return found.flatMap((f) => fs.readFileSync(f, 'utf8').trimEnd().split('\n').slice(-lines));
}

async function runFlow(flow: UiFlowModule, browser: Browser, csDir: string, root: string, extensionDir: string): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fom-ui-flow-'));
  // The extension keeps sessions in the command line's store: a test's own, never the user's ~/.flink-mesos.
  process.env.FLINK_MESOS_HOME = path.join(tmp, 'flink-mesos-home');
  const workspace = path.join(tmp, 'workspace');
  fs.mkdirSync(workspace);
  let server: CodeServerHandle | undefined;
  let workbench: helpers.Workbench | undefined;
  let setup: FlowSetup | void = undefined;
  const log = (line: string): void => { process.stdout.write(`    ${line}\n`); };
  try {
    setup = await flow.setup?.(workspace);
    server = await startCodeServer({
      workspace, codeServerDir: csDir,
      userDataDir: path.join(tmp, 'user-data'), extensionsDir: path.join(tmp, 'extensions'),
      settings: setup?.settings,
    });
    workbench = await helpers.openWorkbench({ browser, serverUrl: server.url, workspace, extensionDevelopmentPath: extensionDir });
    const ctx = {
      page: workbench.page, workbench, server, workspace, repoRoot: root, helpers, log,
      screenshot: (name: string) => helpers.screenshot(workbench!.page, name),
    };
    const limit = flow.timeoutMs ?? DEFAULT_FLOW_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        flow.run(ctx),
        new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`flow did not finish within ${limit / 1000} s`)), limit); }),
      ]);
    } finally {
      clearTimeout(timer);
    }
    // Issue 18: nothing but loopback, in the browser and in code-server's processes.
    const violation = helpers.loopbackViolations(workbench.network, server.netLog());
    if (violation) throw new Error(violation);
    log(`loopback only: ${workbench.network.all.length} browser requests, ${server.netLog().processes.length} code-server processes watched`);
  } catch (err) {
    // A refused outside contact may be why a flow failed: say so beside its own error.
    const violation = workbench && server ? helpers.loopbackViolations(workbench.network, server.netLog()) : undefined;
    if (violation && !(err as Error).message.startsWith('VS Code web tried')) log(violation);
    if (workbench) {
      const shot = await helpers.screenshot(workbench.page, `failed-${flow.name}`).catch(() => undefined);
      if (shot) log(`screenshot of the failure: ${path.relative(root, shot)}`);
    }
    // CI keeps no files: the extension's own log says what it was doing when the flow gave up.
    for (const line of extensionLogTail(path.join(tmp, 'user-data'), 60)) log(`extension log: ${line}`);
    throw err;
  } finally {
    await workbench?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    if (setup && setup.teardown) await setup.teardown().catch((e: Error) => log(`teardown failed: ${e.message}`));
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const root = repoRoot(__dirname);
  const filters = process.argv.slice(2);
  const dir = path.resolve(__dirname, '..', 'ui');
  const extensionDir = helpers.extensionUnderTest(root);
  const files = flowFiles(dir);
  const flows = files.map(loadFlow).filter((f) => filters.length === 0 || filters.some((x) => f.name.includes(x)));
  if (flows.length === 0) {
    throw new Error(files.length === 0
      ? `no *.flow.js files under ${dir}: run "npm run compile:tests" first`
      : `no flow matches ${filters.join(', ')}; flows: ${files.map(loadFlow).map((f) => f.name).join(', ')}`);
  }
  const csDir = await ensureCodeServer();
  const browser = await helpers.launchBrowser();
  const onSignal = (sig: NodeJS.Signals): void => {
    process.stderr.write(`ui flows: ${sig}, stopping\n`);
    // code-server groups are killed by codeServer's exit hook.
    void browser.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let passed = 0;
  let failed = 0;
  try {
    for (const flow of flows) {
      const started = Date.now();
      process.stdout.write(`flow "${flow.name}"\n`);
      try {
        await runFlow(flow, browser, csDir, root, extensionDir);
        passed++;
        process.stdout.write(`  ✔ ${flow.name} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
      } catch (err) {
        failed++;
        process.stdout.write(`  ✘ ${flow.name} (${((Date.now() - started) / 1000).toFixed(1)} s)\n    ${(err as Error).message.replace(/\n/g, '\n    ')}\n`);
      }
    }
  } finally {
    await browser.close().catch(() => undefined);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed === 0 ? 0 : 1;
}

main().then((code) => process.exit(code), (err: Error) => {
  process.stderr.write(`ui flows: ${err.message}\n`);
  process.stdout.write('0 passed, 1 failed\n');
  process.exit(1);
});
