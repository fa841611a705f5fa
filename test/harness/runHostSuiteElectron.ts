// `npm run test:host:electron`: the same extension-host suite in a desktop VS Code via @vscode/test-electron.
// Uses an installed VS Code when VSCODE_EXECUTABLE names its Electron binary; otherwise downloads one (needs the
// internet: on an offline machine use `npm run test:host`, which runs VS Code web).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { repoRoot } from '../repoRoot';
import { extensionUnderTest } from './workbench';

async function main(): Promise<number> {
  const root = repoRoot(__dirname);
  const testsPath = path.resolve(__dirname, '..', 'suite', 'index.js');
  if (!fs.existsSync(testsPath)) throw new Error(`no compiled suite at ${testsPath}: run "npm run compile:tests" first`);
  const extensionDir = extensionUnderTest(root);
  const executable = process.env.VSCODE_EXECUTABLE;
  if (executable && !fs.existsSync(executable)) {
    throw new Error(`VSCODE_EXECUTABLE=${executable} does not exist; name VS Code's Electron binary ` +
      '(Linux: /usr/share/code/code, macOS: "/Applications/Visual Studio Code.app/Contents/MacOS/Electron", Windows: Code.exe)');
  }
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    log('no DISPLAY: desktop VS Code needs a display; run under "xvfb-run -a npm run test:host:electron" on a headless machine');
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fom-host-electron-'));
  // The extension keeps sessions in the command line's store: a test's own, never the user's ~/.flink-mesos.
  process.env.FLINK_MESOS_HOME = path.join(tmp, 'flink-mesos-home');
  const workspace = path.join(tmp, 'workspace');
  fs.mkdirSync(workspace);
  const started = Date.now();
  try {
    log(executable ? `using the installed VS Code ${executable}` : `downloading VS Code ${process.env.VSCODE_VERSION ?? 'stable'} (set VSCODE_EXECUTABLE to use an installed one)`);
    const code = await runTests({
      vscodeExecutablePath: executable,
      version: executable ? undefined : (process.env.VSCODE_VERSION ?? 'stable'),
      timeout: 30_000,
      extensionDevelopmentPath: extensionDir,
      extensionTestsPath: testsPath,
      extensionTestsEnv: { EXTENSION_UNDER_TEST: extensionDir },
      launchArgs: [
        workspace,
        '--user-data-dir', path.join(tmp, 'user-data'),
        '--extensions-dir', path.join(tmp, 'extensions'),
        '--disable-extensions', // other installed extensions stay out; the one under development still loads
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
      ],
    });
    log(`${code === 0 ? 'passed' : 'FAILED'} (exit code ${code}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return code;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (!executable) {
      log(`could not download VS Code: ${message}`);
      log('this machine cannot reach the VS Code download servers. Either set VSCODE_EXECUTABLE to an installed VS Code ' +
        '(Electron binary, e.g. /usr/share/code/code), or run the same suite in VS Code web with "npm run test:host".');
    } else {
      log(`VS Code failed: ${message}`);
    }
    return 1;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function log(line: string): void {
  process.stderr.write(`host suite (desktop): ${line}\n`);
}

main().then((code) => process.exit(code), (err: Error) => {
  log(err.message);
  process.exit(1);
});
