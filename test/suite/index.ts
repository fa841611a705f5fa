// The mocha entry VS Code loads as `extensionTestsPath`: runs every compiled `*.suite.js` next to this file
// inside the extension host, with the real `vscode` API. Settles with an error when any test fails.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as util from 'node:util';
import Mocha from 'mocha';

function suiteFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...suiteFiles(p));
    else if (entry.name.endsWith('.suite.js')) found.push(p);
  }
  return found.sort();
}

/** Marks the reporter's lines so the runner can tell them from the workbench's own log. */
export const SUITE_LINE_PREFIX = '[suite] ';

export function run(): Promise<void> {
  // The web workbench forwards console arguments unformatted: format each line here.
  Mocha.reporters.Base.consoleLog = (...args: unknown[]): void => {
    for (const line of util.format(...args).split('\n')) console.log(SUITE_LINE_PREFIX + line);
  };
  const mocha = new Mocha({
    ui: 'tdd',
    color: false,
    timeout: Number(process.env.SUITE_TEST_TIMEOUT_MS ?? 20_000),
    // MOCHA_GREP narrows the run while working on one test.
    grep: process.env.MOCHA_GREP || undefined,
  });
  const files = suiteFiles(__dirname);
  if (files.length === 0) return Promise.reject(new Error(`no *.suite.js files under ${__dirname}: compile the tests first (npm run compile:tests)`));
  for (const f of files) mocha.addFile(f);
  return new Promise((resolve, reject) => {
    try {
      mocha.run((failures) => {
        if (failures > 0) reject(new Error(`${failures} extension-host test(s) failed`));
        else resolve();
      });
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}
