import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkEntryClass, inspectJar, JarInspectionError, jarHasClass, parseManifest, topLevelClassName } from '../../../src/core/flink/jarInspector';
import { tempDir, writeTestJar } from './testJars';

describe('parseManifest', () => {
  test('reads main attributes case-insensitively and joins continuation lines', () => {
    const text =
      'Manifest-Version: 1.0\r\n' +
      'Main-Class: org.example.very.long.package.name.that.goes.on.and.on.Wor\r\n' +
      ' dCount\r\n' +
      'program-class: org.example.Prog\r\n' +
      ' ram\r\n' +
      '\r\n' +
      'Name: org/example/Other.class\r\n' +
      'Main-Class: not.This\r\n';
    const m = parseManifest(text);
    assert.equal(m.get('main-class'), 'org.example.very.long.package.name.that.goes.on.and.on.WordCount');
    assert.equal(m.get('program-class'), 'org.example.Program');
    assert.equal(m.get('manifest-version'), '1.0');
  });
  test('handles LF-only manifests and a BOM', () => {
    assert.equal(parseManifest('\uFEFFMain-Class: a.B\n').get('main-class'), 'a.B');
  });
});

describe('topLevelClassName', () => {
  test('keeps top-level classes and drops inner, anonymous, info and META-INF entries', () => {
    assert.equal(topLevelClassName('org/x/Job.class'), 'org.x.Job');
    assert.equal(topLevelClassName('Job.class'), 'Job');
    assert.equal(topLevelClassName('org/x/Job$Inner.class'), undefined);
    assert.equal(topLevelClassName('org/x/Job$1.class'), undefined);
    assert.equal(topLevelClassName('module-info.class'), undefined);
    assert.equal(topLevelClassName('org/x/package-info.class'), undefined);
    assert.equal(topLevelClassName('META-INF/versions/11/org/x/Job.class'), undefined);
    assert.equal(topLevelClassName('org/x/'), undefined);
    assert.equal(topLevelClassName('org/x/data.txt'), undefined);
  });
});

describe('inspectJar', () => {
  const tmp = tempDir();
  let jar: string;
  let noMain: string;
  before(async () => {
    jar = await writeTestJar(path.join(tmp.dir, 'job.jar'), {
      manifest: 'Manifest-Version: 1.0\r\nMain-Class: org.example.Main\r\nprogram-class: org.example.Program\r\n\r\n',
      entries: ['org/', 'org/example/', 'org/example/Zeta.class', 'org/example/Main.class', 'org/example/Program.class', 'org/example/Alpha.class', 'org/example/Alpha$1.class', 'org/example/Alpha$Inner.class', 'res/data.txt'],
    });
    noMain = await writeTestJar(path.join(tmp.dir, 'nomain.jar'), { manifest: 'Manifest-Version: 1.0\r\n\r\n', entries: ['a/B.class', 'a/A.class'] });
  });
  after(() => tmp.cleanup());

  test('reads Main-Class, program-class and lists manifest classes first, then the others sorted', async () => {
    const info = await inspectJar(jar);
    assert.equal(info.mainClass, 'org.example.Main');
    assert.equal(info.programClass, 'org.example.Program');
    assert.equal(info.defaultEntryClass, 'org.example.Program');
    assert.deepEqual(info.entryClasses, ['org.example.Program', 'org.example.Main', 'org.example.Alpha', 'org.example.Zeta']);
    assert.equal(info.classCount, 4);
    assert.equal(info.entryClassesTruncated, false);
    assert.equal(info.size, fs.statSync(jar).size);
  });

  test('caps the candidate list', async () => {
    const info = await inspectJar(jar, { maxEntryClasses: 2 });
    assert.deepEqual(info.entryClasses, ['org.example.Program', 'org.example.Main']);
    assert.equal(info.entryClassesTruncated, true);
  });

  test('a jar without main class: no default, and checkEntryClass says what to do', async () => {
    const info = await inspectJar(noMain);
    assert.equal(info.mainClass, undefined);
    assert.equal(info.defaultEntryClass, undefined);
    assert.deepEqual(info.entryClasses, ['a.A', 'a.B']);
    await assert.rejects(checkEntryClass(info, undefined), (err: unknown) => {
      assert.ok(err instanceof JarInspectionError);
      assert.equal(err.kind, 'noEntryClass');
      assert.match(err.message, /neither Main-Class nor program-class/);
      assert.match(err.message, /-c CLASS/);
      return true;
    });
    assert.equal(await checkEntryClass(info, 'a.B'), 'a.B');
  });

  test('a jar without any manifest', async () => {
    const f = await writeTestJar(path.join(tmp.dir, 'nomanifest.jar'), { entries: ['x/Y.class'] });
    const info = await inspectJar(f);
    assert.equal(info.hasManifest, false);
    assert.deepEqual(info.entryClasses, ['x.Y']);
  });

  test('an entry class that is not in the jar is refused before upload', async () => {
    const info = await inspectJar(jar);
    assert.equal(await jarHasClass(jar, 'org.example.Alpha'), true);
    assert.equal(await jarHasClass(jar, 'org.example.Missing'), false);
    await assert.rejects(checkEntryClass(info, 'org.example.Missing'), /entry class org.example.Missing is not in the jar/);
    await assert.rejects(checkEntryClass(info, 'not a class!'), /not a Java class name/);
    assert.equal(await checkEntryClass(info, undefined), 'org.example.Program');
  });

  test('refuses a file that is not a zip', async () => {
    const f = path.join(tmp.dir, 'notes.jar');
    fs.writeFileSync(f, 'this is a text file, not a jar\n'.repeat(10));
    await assert.rejects(inspectJar(f), (err: unknown) => {
      assert.ok(err instanceof JarInspectionError);
      assert.equal(err.kind, 'notZip');
      assert.match(err.message, /is not a jar: it is not a zip archive/);
      return true;
    });
  });

  test('refuses an empty file', async () => {
    const f = path.join(tmp.dir, 'empty.jar');
    fs.writeFileSync(f, '');
    await assert.rejects(inspectJar(f), /is not a jar: it is empty/);
  });

  test('refuses a truncated jar as corrupt', async () => {
    const whole = fs.readFileSync(jar);
    const f = path.join(tmp.dir, 'truncated.jar');
    fs.writeFileSync(f, whole.subarray(0, Math.floor(whole.length * 0.6)));
    await assert.rejects(inspectJar(f), (err: unknown) => {
      assert.ok(err instanceof JarInspectionError);
      assert.equal(err.kind, 'corrupt');
      assert.match(err.message, /is corrupt/);
      assert.match(err.message, /rebuild/i);
      return true;
    });
  });

  test('refuses a jar whose central directory is damaged as corrupt', async () => {
    const whole = Buffer.from(fs.readFileSync(jar));
    // The central directory starts at the offset stored in the end record (last 22 bytes, offset 16).
    const cdOffset = whole.readUInt32LE(whole.length - 22 + 16);
    whole.writeUInt32LE(0xdeadbeef, cdOffset);
    const f = path.join(tmp.dir, 'damaged.jar');
    fs.writeFileSync(f, whole);
    await assert.rejects(inspectJar(f), (err: unknown) => err instanceof JarInspectionError && err.kind === 'corrupt');
  });

  test('refuses a missing file', async () => {
    await assert.rejects(inspectJar(path.join(tmp.dir, 'nope.jar')), (err: unknown) => err instanceof JarInspectionError && err.kind === 'notFound');
  });
});
