// scripts/ensure-deps.sh's Node.js check, with a stand-in `node` first on the PATH that reports a chosen version.
// `--node-only` stops after the check, so nothing is installed.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../repoRoot';

const script = path.join(repoRoot(), 'scripts', 'ensure-deps.sh');

function runWithNode(version: string | undefined): { code: number | null; stderr: string } {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-node-'));
  try {
    if (version !== undefined) {
      fs.writeFileSync(path.join(bin, 'node'), `#!/bin/sh\nif [ "$1" = -p ]; then echo ${version}; else echo v${version}; fi\n`, { mode: 0o755 });
    } else {
      // No node at all: a PATH holding only the two tools the check uses before it stops.
      for (const tool of ['dirname', 'cat']) fs.symlinkSync(which(tool), path.join(bin, tool));
    }
    const pathVar = version !== undefined ? `${bin}${path.delimiter}${process.env.PATH ?? ''}` : bin;
    const r = spawnSync(bashPath(), [script, '--node-only'], { env: { ...process.env, PATH: pathVar }, encoding: 'utf8' });
    return { code: r.status, stderr: r.stderr };
  } finally {
    fs.rmSync(bin, { recursive: true, force: true });
  }
}

function which(tool: string): string {
  const found = (process.env.PATH ?? '').split(path.delimiter).map((d) => path.join(d, tool)).find((p) => fs.existsSync(p));
  if (!found) throw new Error(`no ${tool} on the PATH`);
  return found;
}

function bashPath(): string {
  return ['/bin/bash', '/usr/bin/bash'].find((p) => fs.existsSync(p)) ?? 'bash';
}

for (const version of ['18.20.4', '20.17.0']) {
  test(`Node ${version} (Debian 12 ships 18.x): exit 3 with the steps to get Node 20`, () => {
    const { code, stderr } = runWithNode(version);
    assert.equal(code, 3, stderr);
    assert.match(stderr, new RegExp(`Node\\.js 20\\.18 or later is needed; found: v${version.replace(/\./g, '\\.')}`));
    for (const step of ['deb.nodesource.com/setup_20.x', 'sudo apt-get install -y nodejs', 'nvm install 20', 'npm install -g n', 'nodejs.org/dist/latest-v20.x']) {
      assert.ok(stderr.includes(step), `the message lacks "${step}":\n${stderr}`);
    }
  });
}

test('no node on the PATH: exit 3, saying none was found', () => {
  const { code, stderr } = runWithNode(undefined);
  assert.equal(code, 3, stderr);
  assert.match(stderr, /found: no node on the PATH/);
});

for (const version of ['20.18.0', '20.20.2', '22.1.0']) {
  test(`Node ${version} passes the check`, () => {
    const { code, stderr } = runWithNode(version);
    assert.equal(code, 0, stderr);
    assert.equal(stderr, '');
  });
}
