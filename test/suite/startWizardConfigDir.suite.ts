// The Start Session wizard's configuration folder step: typed and checked with the core's readFlinkConfiguration as it is
// typed (missing folder, malformed YAML with file:line, both files present: errors; unknown keys: a warning that passes),
// and a Browse… button that fills the value from a folder dialog.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { START_WIZARD_STEPS, StartSessionWizard } from '../../src/session/StartSessionWizard';
import type { StartInput } from '../../src/settings/extensionSettings';
import { FakeInputBox, QuickInputDriver } from './quickInputDriver';

class MemoryMemento implements vscode.Memento {
  private readonly values = new Map<string, unknown>();
  keys(): readonly string[] { return [...this.values.keys()]; }
  get<T>(key: string, defaultValue?: T): T | undefined { return (this.values.has(key) ? this.values.get(key) : defaultValue) as T | undefined; }
  update(key: string, value: unknown): Thenable<void> { this.values.set(key, value); return Promise.resolve(); }
}

function writeConf(dir: string, files: Record<string, string>): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

function severity(box: FakeInputBox): vscode.InputBoxValidationSeverity | undefined {
  const m = box.validationMessage;
  return typeof m === 'object' ? m.severity : m ? vscode.InputBoxValidationSeverity.Error : undefined;
}

/** Presses the box's Browse… button (the one that is not Back). */
function pressBrowse(box: FakeInputBox): void {
  const browse = box.buttons.find(b => b !== vscode.QuickInputButtons.Back);
  assert.ok(browse, 'no Browse… button');
  assert.match(String(browse.tooltip), /Browse/);
  (box as unknown as { buttonTriggered: vscode.EventEmitter<vscode.QuickInputButton> }).buttonTriggered.fire(browse);
}

suite('Start wizard: the configuration folder step', function () {
  this.timeout(30000);
  let tmp: string;
  let good: string;
  let unknownKeys: string;
  let malformed: string;
  let both: string;
  const cfg = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('flinkMesos');

  suiteSetup(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fom-wizard-conf-'));
    good = writeConf(path.join(tmp, 'good'), { 'flink-conf.yaml': 'taskmanager.numberOfTaskSlots: 2\nrest.flamegraph.enabled: true\n' });
    unknownKeys = writeConf(path.join(tmp, 'unknown'), { 'config.yaml': 'taskmanager:\n  numberOfTaskSlots: 2\nmy-typo:\n  key: 1\n' });
    malformed = writeConf(path.join(tmp, 'malformed'), { 'config.yaml': 'jobmanager:\n  memory: 1g\n bad: indentation\n' });
    both = writeConf(path.join(tmp, 'both'), { 'flink-conf.yaml': 'a.b: 1\n', 'config.yaml': 'a: 1\n' });
    await cfg().update('profiles', undefined, vscode.ConfigurationTarget.Global);
  });

  suiteTeardown(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** Starts the wizard and answers steps 1 to 9; returns the result promise and the configuration folder box. */
  async function toConfigStep(driver: QuickInputDriver, pickFolder: (current: string) => Thenable<string | undefined>): Promise<{ result: Promise<StartInput | undefined>; box: FakeInputBox }> {
    const result = new StartSessionWizard(new MemoryMemento(), () => [], driver, pickFolder).run();
    const answers = ['127.0.0.1:5050', 'confwiz', '2', '1', '1728', '1', '1600', '1', '/opt/flink'];
    for (const a of answers) (await driver.nextBox()).answer(a);
    const box = await driver.nextBox('configuration folder');
    assert.equal(box.step, 10);
    assert.equal(box.totalSteps, START_WIZARD_STEPS);
    assert.equal(START_WIZARD_STEPS, 12);
    return { result, box };
  }

  test('bad folders are refused as typed with the core\'s message; a good one passes; Enter on a bad one stays', async () => {
    const driver = new QuickInputDriver();
    const { result, box } = await toConfigStep(driver, () => Promise.resolve(undefined));
    assert.equal(box.error, undefined, 'empty (Flink\'s defaults) is fine');

    const missing = path.join(tmp, 'does-not-exist');
    box.type(missing);
    assert.equal(severity(box), vscode.InputBoxValidationSeverity.Error);
    assert.match(String(box.error), /cannot be read \(it does not exist\)/);
    assert.ok(String(box.error).includes(missing));
    assert.doesNotMatch(String(box.error), /-c DIR/, 'the message speaks of the field, not the CLI flag');

    box.type(malformed);
    assert.equal(severity(box), vscode.InputBoxValidationSeverity.Error);
    assert.ok(String(box.error).includes(`${path.join(malformed, 'config.yaml')}:3: malformed YAML`), String(box.error));

    box.type(both);
    assert.match(String(box.error), /both flink-conf\.yaml and config\.yaml/);
    box.accept();
    await assert.rejects(driver.next(300), /no quick input/, 'Enter on a bad folder must stay on the step');

    box.type(path.join(good, 'flink-conf.yaml'));
    assert.match(String(box.error), /is a file, not a folder/);

    box.type(`${good}/`);
    assert.equal(box.validationMessage, undefined);
    box.accept();
    (await driver.nextBox('Dynamic properties')).accept();
    (await driver.nextBox('high availability')).accept();
    const input = await result;
    assert.equal(input?.configDir, good, 'the folder is kept as an absolute path');
  });

  test('unknown keys: a warning is shown and the folder is accepted', async () => {
    const driver = new QuickInputDriver();
    const { result, box } = await toConfigStep(driver, () => Promise.resolve(undefined));
    box.type(unknownKeys);
    assert.equal(severity(box), vscode.InputBoxValidationSeverity.Warning);
    assert.match(String(box.error), /"my-typo\.key" is not a known Flink option/);
    box.accept();
    const props = await driver.nextBox('Dynamic properties');
    assert.equal(props.step, 11);
    props.accept();
    (await driver.nextBox('high availability')).accept();
    assert.equal((await result)?.configDir, unknownKeys);
  });

  test('Browse… fills the value from the folder dialog and checks it, even when the dialog hid the input', async () => {
    const driver = new QuickInputDriver();
    let asked = 0;
    const shown: { box?: FakeInputBox } = {};
    const { result, box } = await toConfigStep(driver, current => {
      asked++;
      assert.equal(current, '');
      shown.box?.hide(); // VS Code web shows its simple folder dialog in the quick input, which hides ours
      return Promise.resolve(both);
    });
    shown.box = box;
    pressBrowse(box);
    await new Promise(r => setTimeout(r, 100));
    assert.equal(asked, 1);
    assert.equal(box.disposed, false, 'the dialog hiding the box must not cancel the wizard');
    assert.equal(box.shown, true, 'the box comes back after the dialog');
    assert.equal(await driver.nextBox('configuration folder'), box, 'the same box is shown again');
    assert.equal(box.value, both);
    assert.match(String(box.error), /both flink-conf\.yaml and config\.yaml/, 'the browsed folder is checked too');
    box.answer(good);
    (await driver.nextBox('Dynamic properties')).accept();
    (await driver.nextBox('high availability')).accept();
    assert.equal((await result)?.configDir, good);
  });

  test('a dismissed folder dialog keeps what was typed', async () => {
    const driver = new QuickInputDriver();
    const { result, box } = await toConfigStep(driver, () => Promise.resolve(undefined));
    box.type(good);
    pressBrowse(box);
    await new Promise(r => setTimeout(r, 100));
    assert.equal(box.value, good);
    box.accept();
    (await driver.nextBox('Dynamic properties')).accept();
    (await driver.nextBox('high availability')).accept();
    assert.equal((await result)?.configDir, good);
  });
});
