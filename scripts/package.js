// Builds the production bundles and packs the .vsix; prints what it holds and its size.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const pkg = require(path.join(root, 'package.json'));
const out = path.join(root, `${pkg.name}-${pkg.version}.vsix`);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

// A clean production build: stale development files must not reach the package.
for (const dir of ['dist', path.join('media', 'dist')]) fs.rmSync(path.join(root, dir), { recursive: true, force: true });
run(process.execPath, [require.resolve('webpack-cli/bin/cli.js'), '--mode', 'production', '--stats', 'errors-warnings']);
run(process.execPath, [require.resolve('@vscode/vsce/vsce'), 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--skip-license', '-o', out]);
const listing = execFileSync(process.execPath, [require.resolve('@vscode/vsce/vsce'), 'ls', '--no-dependencies'], { cwd: root, encoding: 'utf8' });
console.log(`\ncontents:\n${listing}`);
const kb = (fs.statSync(out).size / 1024).toFixed(1);
console.log(`${path.basename(out)}: ${kb} KiB`);
