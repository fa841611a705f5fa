import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../repoRoot';

const root = repoRoot();
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

// What `vsce package` would put in the .vsix: the bundles, media, the manifest and the docs, nothing else.
test('the .vsix holds the bundles, media, README, CHANGELOG and LICENSE only', { skip: !fs.existsSync(path.join(root, 'dist', 'extension.js')) && 'dist/ is not built' }, () => {
  const vsce = require.resolve('@vscode/vsce/vsce', { paths: [root] });
  const files = execFileSync(process.execPath, [vsce, 'ls', '--no-dependencies'], { cwd: root, encoding: 'utf8' })
    .split('\n').map(l => l.trim()).filter(Boolean);
  const allowed = [/^package\.json$/, /^README\.md$/, /^CHANGELOG\.md$/, /^LICENSE$/, /^media\/[^/]+\.(css|svg)$/,
    /^media\/dist\/webview\.js$/, /^dist\/extension\.js$/, /^dist\/cli\.js$/, /^dist\/[\w.-]+\.chunk\.js$/];
  const unexpected = files.filter(f => !allowed.some(r => r.test(f)));
  assert.deepEqual(unexpected, [], `unexpected files in the package: ${unexpected.join(', ')}`);
  for (const must of ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', 'dist/extension.js', 'media/dist/webview.js']) {
    assert.ok(files.includes(must), `${must} is missing from the package`);
  }
  // The extension loads its core lazily from chunks: every chunk webpack wrote must ship, or commands fail when installed.
  const chunks = fs.readdirSync(path.join(root, 'dist')).filter(f => f.endsWith('.chunk.js')).map(f => `dist/${f}`);
  const missing = chunks.filter(c => !files.includes(c));
  assert.deepEqual(missing, [], `chunks left out of the package: ${missing.join(', ')}`);
});

test('the manifest activates implicitly and targets VS Code 1.100 with matching types', () => {
  const events: string[] = manifest.activationEvents ?? [];
  assert.ok(!events.includes('*') && !events.includes('onStartupFinished'), `eager activation: ${events.join(', ')}`);
  assert.equal(manifest.engines.vscode, '^1.100.0');
  assert.equal(manifest.devDependencies['@types/vscode'], '1.100.0');
  assert.equal(manifest.main, './dist/extension.js');
});

test('every command sits under one category, and the jar menu entry shows only for .jar files', () => {
  const categories = new Set((manifest.contributes.commands as { category?: string }[]).map(c => c.category));
  assert.deepEqual([...categories], ['Flink on Mesos']);
  const entry = (manifest.contributes.menus['explorer/context'] as { command: string; when?: string }[])
    .find(m => m.command === 'flinkMesos.jar.submit');
  assert.ok(entry, 'no explorer/context entry for flinkMesos.jar.submit');
  assert.match(entry.when ?? '', /resourceExtname == \.jar/);
});
