import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgReader, UsageError } from '../../../src/core/cli/argReader';

test('flags are read in both spellings, -D stays whole, and a missing value is a usage error naming the flag', () => {
  const r = new ArgReader(['--name=a=b', '-m', 'host:5050', '-Dk=v', 'job.jar', 'x']);
  const seen: string[] = [];
  while (r.next()) {
    if (r.name === '--name' || r.name === '-m') seen.push(`${r.name}:${r.value()}`);
    else if (r.arg === 'job.jar') { seen.push(`rest:${r.fromHere().join(',')}`); break; }
    else seen.push(`arg:${r.arg}`);
  }
  assert.deepEqual(seen, ['--name:a=b', '-m:host:5050', 'arg:-Dk=v', 'rest:job.jar,x']);
  const end = new ArgReader(['--store']);
  end.next();
  assert.throws(() => end.value(), (e: Error) => e instanceof UsageError && e.message === '--store needs a value.');
});
