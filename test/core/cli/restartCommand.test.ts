// The one-step restart offered when the JobManager ends a session without HA: the command gives back the same options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSessionStartArgs, validateSessionOptions } from '../../../src/core/session/SessionOptions';
import { restartCommandLine } from '../../../src/core/cli/restartCommand';

/** Splits a command line of single-quoted and plain words as /bin/sh would. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  const re = /'((?:[^']|'\\'')*)'|(\S+)/g;
  let m: RegExpExecArray | null;
  let current = '';
  let last = 0;
  while ((m = re.exec(line)) !== null) {
    const gap = line.slice(last, m.index);
    if (/\s/.test(gap) && current !== '') { words.push(current); current = ''; }
    current += m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : m[2];
    last = re.lastIndex;
  }
  if (current !== '') words.push(current);
  return words;
}

test('restartCommandLine: parsed again, it gives the same session options', () => {
  const args = ['-m', 'm1:5050,m2:5050', '-n', '3', '-s', '2', '-tm', '2048', '-tmc', '1.5', '-jm', '1024', '-jmc', '0.5', '--disk', '100',
    '-D', 'state.backend=rocksdb', '-D', 'env.java.opts=-Dx=a b', '--flink-uri', 'https://h/flink.tgz', '--no-web-ui', '--role', 'flink',
    '--user', 'alice', '--name', 'etl', '--failover-timeout', '600', '--constraint', 'rack:r1', '--max-failures-per-minute', '4', '--fit-timeout', '60', '--decline-seconds', '30'];
  const first = validateSessionOptions(parseSessionStartArgs(args).input).options;
  const line = restartCommandLine(first, { storeDir: '/tmp/my store' });
  const words = shellWords(line);
  assert.deepEqual(words.slice(0, 3), ['flink-mesos', 'session', 'start']);
  const storeAt = words.indexOf('--store');
  assert.equal(words[storeAt + 1], '/tmp/my store');
  const again = validateSessionOptions(parseSessionStartArgs(words.slice(3, storeAt)).input).options;
  assert.deepEqual(again, first);
});
