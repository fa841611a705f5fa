// Runs every compiled `*.test.js` under out/test with node's built-in runner.
// Files are listed explicitly: node's own discovery would treat every file under a `test/` folder as a test.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..', 'out', 'test');
const filter = process.argv.slice(2);
const files = [];
(function walk(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith('.test.js') && (filter.length === 0 || filter.some((f) => p.includes(f)))) files.push(p);
  }
})(root);
if (files.length === 0) {
  console.error(`no test files found under ${root}${filter.length ? ` matching ${filter.join(', ')}` : ''}: run "npm run compile:tests" first`);
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files.sort()], { stdio: 'inherit' });
process.exit(r.status === null ? 1 : r.status);
