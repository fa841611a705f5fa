// The Flink TLS settings (flinkMesos.flinkSsl.*) map to the same session options as the command line's flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { flinkSslInput, restCaTls } from '../../src/settings/flinkSslSettings';
import { parseSessionStartArgs, validateSessionOptions } from '../../src/core/session/SessionOptions';
import { opensslCerts } from '../harness/tlsCerts';

const base = { master: 'm:5050', user: 'flink', flink: { kind: 'home' as const, path: '/opt/flink' } };
const empty = { connections: 'internal,rest', keystore: '', truststore: '', restKeystore: '', restTruststore: '', restCaFile: '' };

test('the settings at their defaults turn TLS off', () => {
  assert.deepEqual(flinkSslInput(empty), {});
  assert.equal(validateSessionOptions({ ...base, ...flinkSslInput(empty) }).options.flinkSsl, undefined);
});

test('the settings give the same TLS options as the flags; the CA file is read for the panels\' clients', () => {
  const certs = opensslCerts(fs.mkdtempSync(path.join(os.tmpdir(), 'ssl-settings-')), ['IP:127.0.0.1']);
  const fromSettings = validateSessionOptions({ ...base, ...flinkSslInput({ ...empty, keystore: 'https://h/k.jks', truststore: ' /t.jks ', restCaFile: certs.caPem }) }).options.flinkSsl;
  const { input } = parseSessionStartArgs(['-m', 'm:5050', '--flink-home', '/opt/flink', '--flink-ssl-keystore', 'https://h/k.jks', '--flink-ssl-truststore', '/t.jks', '--flink-rest-ca', certs.caPem]);
  assert.deepEqual(fromSettings, validateSessionOptions({ ...input, user: 'flink' }).options.flinkSsl);
  assert.match(restCaTls(certs.caPem)?.ca ?? '', /BEGIN CERTIFICATE/);
  assert.throws(() => restCaTls('/nonexistent.pem', undefined, 'flinkMesos.flinkSsl.restCaFile'), /flinkMesos\.flinkSsl\.restCaFile: the CA file \/nonexistent\.pem cannot be read/);
  const logged: string[] = [];
  assert.equal(restCaTls('/nonexistent.pem', { debug: () => undefined, info: () => undefined, warn: () => undefined, error: (m) => logged.push(m) }), undefined);
  assert.equal(logged.length, 1);
});
