import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../repoRoot';

// Guards the layering rule the lint enforces, so a lint misconfiguration cannot hide a violation.
test('src/core never imports vscode', () => {
  const root = path.join(repoRoot(), 'src/core');
  const offenders: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts') && /from ['"]vscode['"]|(require|import)\(['"]vscode['"]\)/.test(fs.readFileSync(p, 'utf8'))) offenders.push(p);
    }
  };
  walk(root);
  assert.deepEqual(offenders, []);
});
