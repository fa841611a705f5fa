// Runs every compiled `*.test.js` under out/test with node's built-in runner.
// Files are listed explicitly: node's own discovery would treat every file under a `test/` folder as a test.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

// --real runs only the tests against real Flink (out/test/real, their own step after provisioning); without it they are left out.
const real = process.argv.includes('--real');
const root = path.resolve(__dirname, '..', 'out', 'test');
const realDir = path.join(root, 'real');
const filter = process.argv.slice(2).filter((a) => a !== '--real');
const files = [];
(function walk(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith('.test.js') && p.startsWith(realDir + path.sep) === real && (filter.length === 0 || filter.some((f) => p.includes(f)))) files.push(p);
  }
})(root);
if (files.length === 0) {
  console.error(`no test files found under ${root}${filter.length ? ` matching ${filter.join(', ')}` : ''}: run "npm run compile:tests" first`);
  process.exit(1);
}
// The stand-ins start real processes: a run must leave none behind. Processes that were there before the run
// (a demo cluster in another terminal) are not the run's.
function strays() {
  const ps = spawnSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' });
  if (ps.status !== 0) return [];
  const ours = /flink-standin|mesos-standin|frameworks\/[^/]+\/executors\//;
  // A task's command line may say nothing (`sleep 30`), but it runs in its sandbox folder.
  const cwdOf = (pid) => { try { return fs.readlinkSync(`/proc/${pid}/cwd`); } catch { return ''; } };
  return ps.stdout.split('\n').filter(l => l.trim() && !l.includes('ps -eo') &&
    (ours.test(l) || ours.test(cwdOf(l.trim().split(/\s+/)[0]))));
}
const pidOf = (line) => line.trim().split(/\s+/)[0];
const before = new Set(strays().map(pidOf));
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files.sort()], { stdio: 'inherit' });
const newStrays = () => strays().filter(l => !before.has(pidOf(l)));
let left = newStrays();
for (let i = 0; i < 20 && left.length > 0; i++) {
  spawnSync('sleep', ['0.5']);
  left = newStrays();
}
if (left.length > 0) {
  console.error(`\nthe tests left ${left.length} stand-in process(es) running:\n${left.join('\n')}`);
  process.exit(1);
}
process.exit(r.status === null ? 1 : r.status);
