// Runs inside VS Code: the extension activates on its commands and contributes what its manifest declares.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { repoRoot } from '../repoRoot';

interface Manifest {
  name: string;
  publisher: string;
  contributes: {
    commands: { command: string; title: string }[];
    configuration: { title: string; properties: Record<string, { default?: unknown }> };
  };
}

// The runners load the repository itself unless EXTENSION_UNDER_TEST names another folder (e.g. an unpacked .vsix).
const extensionDir = process.env.EXTENSION_UNDER_TEST || repoRoot(__dirname);
const manifest = JSON.parse(fs.readFileSync(path.join(extensionDir, 'package.json'), 'utf8')) as Manifest;
const extensionId = `${manifest.publisher}.${manifest.name}`;

suite('extension', () => {
  test('is loaded from the folder under development', () => {
    const ext = vscode.extensions.getExtension(extensionId);
    assert.ok(ext, `extension ${extensionId} is not loaded; loaded: ${vscode.extensions.all.map((e) => e.id).filter((id) => !id.startsWith('vscode.')).join(', ')}`);
    assert.equal(path.resolve(ext.extensionPath), path.resolve(extensionDir));
  });

  test('activates when one of its commands runs', async () => {
    const ext = vscode.extensions.getExtension(extensionId);
    assert.ok(ext);
    await vscode.commands.executeCommand('flinkMesos.refresh');
    assert.equal(ext.isActive, true, 'the extension did not activate on flinkMesos.refresh');
  });

  test('registers every command its manifest contributes', async () => {
    const declared = manifest.contributes.commands.map((c) => c.command);
    assert.ok(declared.length > 0, 'package.json contributes no commands');
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = declared.filter((c) => !registered.has(c));
    assert.deepEqual(missing, [], `commands declared in package.json but not registered: ${missing.join(', ')}`);
  });

  test('contributes its configuration section with the declared defaults', () => {
    const properties = manifest.contributes.configuration.properties;
    assert.ok(Object.keys(properties).length > 0, 'package.json declares no settings');
    for (const [key, declared] of Object.entries(properties)) {
      const dot = key.indexOf('.');
      const inspected = vscode.workspace.getConfiguration(key.slice(0, dot)).inspect(key.slice(dot + 1));
      assert.ok(inspected, `setting ${key} is not known to VS Code`);
      assert.deepEqual(inspected.defaultValue, declared.default, `setting ${key} has default ${JSON.stringify(inspected.defaultValue)}`);
    }
    assert.ok(manifest.contributes.configuration.properties['flinkMesos.master'], 'the flinkMesos.master setting is missing');
  });
});
