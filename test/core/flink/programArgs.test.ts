import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { joinProgramArgs, ProgramArgsError, splitProgramArgs, toLegacyProgramArgs } from '../../../src/core/flink/programArgs';

describe('splitProgramArgs', () => {
  const cases: [string, string[]][] = [
    ['', []],
    ['   \t  ', []],
    ['--input /data/in.txt --output /data/out', ['--input', '/data/in.txt', '--output', '/data/out']],
    ['  a   b  ', ['a', 'b']],
    ["'hello world'", ['hello world']],
    ['"hello world"', ['hello world']],
    ['--name "John  Smith" --x 1', ['--name', 'John  Smith', '--x', '1']],
    ["''", ['']],
    ['""', ['']],
    ["a '' b", ['a', '', 'b']],
    ['a "" b ""', ['a', '', 'b', '']],
    ['pre"mid dle"post', ['premid dlepost']],
    ["it'\"s'", ['it"s']],
    ['"it\'s"', ["it's"]],
    ['"say \\"hi\\""', ['say "hi"']],
    ['"back\\\\slash"', ['back\\slash']],
    ['"keep \\n literally"', ['keep \\n literally']],
    ["'no \\escapes here'", ['no \\escapes here']],
    ['escaped\\ space', ['escaped space']],
    ['\\"quoted\\"', ['"quoted"']],
    ['a\\\\b', ['a\\b']],
    ['line1 \\\nline2', ['line1', 'line2']],
    ['multi\nline\targs', ['multi', 'line', 'args']],
    ['--sql "SELECT * FROM t WHERE name = \'x y\'"', ['--sql', "SELECT * FROM t WHERE name = 'x y'"]],
    ['--json \'{"a": [1, 2]}\'', ['--json', '{"a": [1, 2]}']],
    ['ünïcödé "日本 語"', ['ünïcödé', '日本 語']],
    ['$HOME `cmd` *.txt', ['$HOME', '`cmd`', '*.txt']],
  ];
  for (const [input, expected] of cases) {
    test(`splits ${JSON.stringify(input)}`, () => {
      assert.deepEqual(splitProgramArgs(input), expected);
    });
  }

  test('refuses an unbalanced double quote, naming the position and the fix', () => {
    assert.throws(
      () => splitProgramArgs('--name "John Smith'),
      (err: unknown) => {
        assert.ok(err instanceof ProgramArgsError);
        assert.match(err.message, /unbalanced double quote at position 8/);
        assert.match(err.message, /Close the quote/);
        assert.equal(err.position, 7);
        return true;
      },
    );
  });

  test('refuses an unbalanced single quote', () => {
    assert.throws(() => splitProgramArgs("a b 'c"), /unbalanced single quote at position 5/);
  });

  test('an escaped quote is not an unbalanced quote', () => {
    assert.deepEqual(splitProgramArgs("don\\'t"), ["don't"]);
  });

  test('refuses a trailing lone backslash', () => {
    assert.throws(() => splitProgramArgs('abc \\'), /lone backslash/);
  });
});

describe('joinProgramArgs', () => {
  const samples: string[][] = [
    [],
    ['plain', 'args'],
    ['with space', '', "it's", 'say "hi"', 'back\\slash', 'tab\there', 'new\nline', '$x', '*'],
  ];
  for (const args of samples) {
    test(`round-trips ${JSON.stringify(args)}`, () => {
      assert.deepEqual(splitProgramArgs(joinProgramArgs(args)), args);
    });
  }
});

describe('toLegacyProgramArgs', () => {
  test('quotes arguments with spaces or quotes the way Flink\'s old splitter understands', () => {
    assert.equal(toLegacyProgramArgs(['a', 'b c', '', "it's", 'say "hi"']), `a "b c" "" "it's" 'say "hi"'`);
  });
  test('refuses an argument holding both kinds of quote', () => {
    assert.throws(() => toLegacyProgramArgs([`it's "x"`]), /both ' and "/);
  });
});
