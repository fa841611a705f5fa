// Certificates for the TLS tests, made on the spot: with openssl (PEM keys for node's https server in the unit tests)
// and with the JDK's keytool (Java keystores for real Flink). Short-lived, loopback names only.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface PemCerts { caPem: string; otherCaPem: string; keyPem: string; certPem: string }

/** A CA, a server certificate it signed for `sans` (e.g. ["IP:127.0.0.1"]), and an unrelated CA: file paths in dir. */
export function opensslCerts(dir: string, sans: string[]): PemCerts {
  fs.mkdirSync(dir, { recursive: true });
  const run = (...args: string[]): void => { execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' }); };
  for (const ca of ['ca', 'other-ca']) run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.pem`, '-days', '2', '-subj', `/CN=flink-mesos test ${ca}`);
  run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=flink-mesos test server');
  fs.writeFileSync(path.join(dir, 'server.ext'), `subjectAltName=${sans.join(',')}\n`);
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext');
  const p = (f: string): string => path.join(dir, f);
  return { caPem: p('ca.pem'), otherCaPem: p('other-ca.pem'), keyPem: p('server.key'), certPem: p('server.pem') };
}

export interface FlinkStores {
  /** PEM of the CA that signed the REST certificate, and of an unrelated CA. */
  caPem: string;
  otherCaPem: string;
  /** REST: the CA-signed certificate for `restSans`, and a truststore holding the CA. */
  restKeystore: string;
  restTruststore: string;
  /** Internal: one self-signed certificate, keystore and truststore at once (as Flink's guide sets it up). */
  internalKeystore: string;
}

/** Flink's stores made with the keytool of javaHome, all with `password`. */
export function keytoolStores(dir: string, javaHome: string, password: string, restSans: string[]): FlinkStores {
  fs.mkdirSync(dir, { recursive: true });
  const own = path.join(javaHome, 'bin', 'keytool');
  const keytool = fs.existsSync(own) ? own : 'keytool';
  const run = (...args: string[]): void => { execFileSync(keytool, args, { cwd: dir, stdio: 'pipe' }); };
  const p = (f: string): string => path.join(dir, f);
  const pair = (store: string, alias: string, dname: string, ...ext: string[]): void =>
    run('-genkeypair', '-alias', alias, '-dname', dname, '-keyalg', 'RSA', '-keysize', '2048', '-validity', '2', '-keystore', store,
      '-storetype', 'PKCS12', '-storepass', password, '-keypass', password, ...ext);
  for (const ca of ['ca', 'other-ca']) {
    pair(`${ca}.p12`, 'ca', `CN=flink-mesos test ${ca}`, '-ext', 'bc:c');
    run('-exportcert', '-alias', 'ca', '-rfc', '-keystore', `${ca}.p12`, '-storepass', password, '-file', `${ca}.pem`);
  }
  pair('rest.p12', 'rest', 'CN=flink-mesos test rest');
  run('-certreq', '-alias', 'rest', '-keystore', 'rest.p12', '-storepass', password, '-file', 'rest.csr');
  run('-gencert', '-alias', 'ca', '-keystore', 'ca.p12', '-storepass', password, '-infile', 'rest.csr', '-outfile', 'rest.pem', '-rfc', '-validity', '2',
    '-ext', `SAN=${restSans.join(',')}`);
  run('-importcert', '-alias', 'ca', '-file', 'ca.pem', '-keystore', 'rest.p12', '-storepass', password, '-noprompt');
  run('-importcert', '-alias', 'rest', '-file', 'rest.pem', '-keystore', 'rest.p12', '-storepass', password, '-noprompt');
  run('-importcert', '-alias', 'ca', '-file', 'ca.pem', '-keystore', 'rest-trust.p12', '-storetype', 'PKCS12', '-storepass', password, '-noprompt');
  pair('internal.p12', 'flink.internal', 'CN=flink.internal', '-ext', 'SAN=dns:flink.internal');
  return { caPem: p('ca.pem'), otherCaPem: p('other-ca.pem'), restKeystore: p('rest.p12'), restTruststore: p('rest-trust.p12'), internalKeystore: p('internal.p12') };
}
