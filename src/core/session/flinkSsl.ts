// Flink's TLS (security.ssl.*) for a session: internal connections (RPC, blobs, data exchange; mutual TLS) and the REST
// endpoint. The keystore and truststore are either fetched with every task (a URI in CommandInfo.uris) or at a path
// present on every agent. Their password never enters the options, the store or the command line: the session passes
// it to the task in an environment variable, and the -D words refer to that variable.
import type { TlsOptions } from '../mesos/http';
import { readPemCa } from '../http/pemCa';
import { SessionOptionError } from './sessionOptionError';

export type SslConnections = 'internal' | 'rest';

export interface FlinkSslOptions {
  /** Which of Flink's connections use TLS. */
  connections: SslConnections[];
  /** A URI the agents fetch, or an absolute path on every agent. */
  keystore: string;
  truststore?: string;
  /** The REST endpoint's own stores (e.g. a CA-signed certificate), when they differ from the internal ones. */
  restKeystore?: string;
  restTruststore?: string;
  /** The environment variable (of the process that launches tasks) that holds the stores' and keys' password. */
  passwordEnv: string;
  /** A PEM file on this machine: the CA the client verifies the JobManager's REST certificate with. */
  restCaFile?: string;
}

export interface FlinkSslInput {
  sslConnections?: string;
  sslKeystore?: string;
  sslTruststore?: string;
  sslRestKeystore?: string;
  sslRestTruststore?: string;
  sslPasswordEnv?: string;
  flinkRestCa?: string;
}

export const DEFAULT_SSL_PASSWORD_ENV = 'FLINK_SSL_PASSWORD';
/** The task's variable with the password; the -D words expand it when the task starts. */
export const TASK_SSL_PASSWORD_ENV = 'FLINK_MESOS_SSL_PASSWORD';

/** Checks and fills the TLS options; undefined when none is given. Throws SessionOptionError. */
export function validateFlinkSsl(input: FlinkSslInput): FlinkSslOptions | undefined {
  const given = [input.sslConnections, input.sslKeystore, input.sslTruststore, input.sslRestKeystore, input.sslRestTruststore, input.sslPasswordEnv, input.flinkRestCa];
  if (given.every((v) => v === undefined || v === '')) return undefined;
  if (!input.sslKeystore && !input.sslRestKeystore) {
    throw new SessionOptionError('--flink-ssl-keystore', 'Flink TLS options were given without a keystore.',
      'Pass --flink-ssl-keystore URI|PATH (a Java keystore the agents fetch, or a path on every agent), or leave the --flink-ssl-* options out.');
  }
  const connections: SslConnections[] = [];
  for (const part of (input.sslConnections ?? 'internal,rest').split(',')) {
    const c = part.trim().toLowerCase();
    if (c === '') continue;
    if (c !== 'internal' && c !== 'rest') {
      throw new SessionOptionError('--flink-ssl-connections', `"${part.trim()}" is not one of Flink's TLS connections.`,
        'Pass internal (security.ssl.internal.*), rest (security.ssl.rest.*) or internal,rest.');
    }
    if (!connections.includes(c)) connections.push(c);
  }
  if (connections.length === 0) {
    throw new SessionOptionError('--flink-ssl-connections', 'no connection is named.', 'Pass internal, rest or internal,rest.');
  }
  const store = (flag: string, value: string | undefined): string | undefined => {
    if (value === undefined || value === '') return undefined;
    const v = value.trim();
    if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\/\S+$/.test(v) && !v.startsWith('/')) {
      throw new SessionOptionError(flag, `"${v}" is neither a URI nor an absolute path.`,
        `Pass a URI the agents fetch (https://host/flink.jks, hdfs://..., file:///...) or the absolute path of the file on every agent, e.g. ${flag} /etc/flink/ssl/flink.jks.`);
    }
    if (/[\s"'$`\\]/.test(v)) {
      throw new SessionOptionError(flag, `"${v}" holds spaces, quotes, "$" or "\\".`, 'Give the store a plain path or URI.');
    }
    return v;
  };
  const keystore = store('--flink-ssl-keystore', input.sslKeystore);
  const truststore = store('--flink-ssl-truststore', input.sslTruststore);
  const restKeystore = store('--flink-ssl-rest-keystore', input.sslRestKeystore);
  const restTruststore = store('--flink-ssl-rest-truststore', input.sslRestTruststore);
  if (connections.includes('internal')) {
    if (!keystore) {
      throw new SessionOptionError('--flink-ssl-keystore', 'internal TLS needs the keystore every JobManager and TaskManager presents.',
        'Pass --flink-ssl-keystore URI|PATH, or --flink-ssl-connections rest for REST TLS alone.');
    }
    if (!truststore) {
      throw new SessionOptionError('--flink-ssl-truststore', 'internal TLS is mutual: each Flink process checks its peer against a truststore, and none was given.',
        'Pass --flink-ssl-truststore URI|PATH (it may be the keystore itself when that holds the shared self-signed certificate).');
    }
  }
  if (!connections.includes('rest') && (restKeystore || restTruststore || input.flinkRestCa)) {
    throw new SessionOptionError(restKeystore ? '--flink-ssl-rest-keystore' : restTruststore ? '--flink-ssl-rest-truststore' : '--flink-rest-ca',
      'applies to REST TLS, which --flink-ssl-connections leaves off.', 'Add rest to --flink-ssl-connections, or leave the REST options out.');
  }
  const passwordEnv = (input.sslPasswordEnv ?? DEFAULT_SSL_PASSWORD_ENV).trim();
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(passwordEnv)) {
    throw new SessionOptionError('--flink-ssl-password-env', `"${passwordEnv}" is not an environment variable name.`,
      `Pass the name of the variable that holds the stores' password, e.g. --flink-ssl-password-env ${DEFAULT_SSL_PASSWORD_ENV}.`);
  }
  let restCaFile: string | undefined;
  if (input.flinkRestCa) {
    restCaFile = input.flinkRestCa;
    try {
      readPemCa(restCaFile, '--flink-rest-ca', 'the JobManager\'s REST certificate');
    } catch (e) {
      throw new SessionOptionError('--flink-rest-ca', (e as Error).message.replace(/^--flink-rest-ca: /, ''), 'Fix the path, or leave --flink-rest-ca out to verify against the system\'s CAs.');
    }
  }
  const out: FlinkSslOptions = { connections, keystore: (keystore ?? restKeystore) as string, passwordEnv };
  if (truststore) out.truststore = truststore;
  if (restKeystore) out.restKeystore = restKeystore;
  if (restTruststore) out.restTruststore = restTruststore;
  if (restCaFile) out.restCaFile = restCaFile;
  return out;
}

/** Parses one --flink-ssl-* / --flink-rest-ca flag into `input`; false when the flag is not one of them. */
export function parseSslFlag(flag: string, value: () => string, input: FlinkSslInput): boolean {
  switch (flag) {
    case '--flink-ssl-connections': input.sslConnections = value(); return true;
    case '--flink-ssl-keystore': input.sslKeystore = value(); return true;
    case '--flink-ssl-truststore': input.sslTruststore = value(); return true;
    case '--flink-ssl-rest-keystore': input.sslRestKeystore = value(); return true;
    case '--flink-ssl-rest-truststore': input.sslRestTruststore = value(); return true;
    case '--flink-ssl-password-env': input.sslPasswordEnv = value(); return true;
    case '--flink-rest-ca': input.flinkRestCa = value(); return true;
    default: return false;
  }
}

function isUri(store: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(store);
}

/** The sandbox file a fetched store lands in (named by its role, so two stores called flink.jks do not collide). */
function fetchedName(store: string, role: string): string {
  const ext = /\.([A-Za-z0-9]{1,8})$/.exec(new URL(store).pathname)?.[1] ?? 'jks';
  return `flink-ssl-${role}.${ext}`;
}

interface StoreRole { role: string; store: string }

function storeRoles(ssl: FlinkSslOptions): StoreRole[] {
  const roles: StoreRole[] = [{ role: 'keystore', store: ssl.keystore }];
  if (ssl.truststore) roles.push({ role: 'truststore', store: ssl.truststore });
  if (ssl.restKeystore) roles.push({ role: 'rest-keystore', store: ssl.restKeystore });
  if (ssl.restTruststore) roles.push({ role: 'rest-truststore', store: ssl.restTruststore });
  return roles;
}

/** The stores to fetch with every task (not cached: a rotated store reaches the next task). */
export function sslFetchUris(ssl: FlinkSslOptions | undefined): { value: string; extract: boolean; cache: boolean; executable: boolean; output_file: string }[] {
  if (!ssl) return [];
  const seen = new Set<string>();
  const out: { value: string; extract: boolean; cache: boolean; executable: boolean; output_file: string }[] = [];
  for (const { role, store } of storeRoles(ssl)) {
    if (!isUri(store) || seen.has(store)) continue;
    seen.add(store);
    out.push({ value: store, extract: false, cache: false, executable: false, output_file: fetchedName(store, role) });
  }
  return out;
}

/** Where Flink finds a store in the task: the fetched copy in the sandbox, or the agent's path. */
function storePath(ssl: FlinkSslOptions, role: string, store: string): string {
  if (!isUri(store)) return store;
  // The same URI fetched once, under the name of its first role.
  const first = storeRoles(ssl).find((r) => r.store === store) ?? { role, store };
  return `$MESOS_SANDBOX/${fetchedName(store, first.role)}`;
}

/** A value the task's shell expands when it starts (the sandbox path, the password variable): shell words keep it unquoted. */
export const TASK_EXPANDED_VALUE = /^\$(MESOS_SANDBOX|FLINK_MESOS_SSL_PASSWORD)\b[A-Za-z0-9_./-]*$/;

/** The security.ssl.* keys of the session's tasks. The passwords are the task's variable, expanded when the task starts. */
export function sslConfiguration(ssl: FlinkSslOptions | undefined): Record<string, string> {
  if (!ssl) return {};
  const password = `$${TASK_SSL_PASSWORD_ENV}`;
  const conf: Record<string, string> = {};
  for (const kind of ['internal', 'rest'] as const) {
    const on = ssl.connections.includes(kind);
    conf[`security.ssl.${kind}.enabled`] = String(on);
    if (!on) continue;
    const keystore = kind === 'rest' ? ssl.restKeystore ?? ssl.keystore : ssl.keystore;
    const truststore = kind === 'rest' ? ssl.restTruststore ?? ssl.truststore : ssl.truststore;
    const role = (r: string): string => (kind === 'rest' && (r === 'keystore' ? ssl.restKeystore : ssl.restTruststore) ? `rest-${r}` : r);
    conf[`security.ssl.${kind}.keystore`] = storePath(ssl, role('keystore'), keystore);
    conf[`security.ssl.${kind}.keystore-password`] = password;
    conf[`security.ssl.${kind}.key-password`] = password;
    if (truststore) {
      conf[`security.ssl.${kind}.truststore`] = storePath(ssl, role('truststore'), truststore);
      conf[`security.ssl.${kind}.truststore-password`] = password;
    }
  }
  return conf;
}

/** The REST scheme of a session's JobManager. */
export function jobManagerScheme(ssl: FlinkSslOptions | undefined): 'http' | 'https' {
  return ssl?.connections.includes('rest') ? 'https' : 'http';
}

/** What a REST client of the session's JobManager verifies its certificate with (undefined: plain http, or the system's CAs). */
export function jobManagerRestTls(ssl: FlinkSslOptions | undefined): TlsOptions | undefined {
  if (!ssl?.restCaFile || !ssl.connections.includes('rest')) return undefined;
  return { ca: readPemCa(ssl.restCaFile, '--flink-rest-ca', 'the JobManager\'s REST certificate') };
}

/** The password from the launching process's environment; a clear error when TLS is on and it is missing. */
export function sslPassword(ssl: FlinkSslOptions | undefined, lookup: ((name: string) => string | undefined) | undefined): string | undefined {
  if (!ssl) return undefined;
  const value = lookup?.(ssl.passwordEnv);
  if (value === undefined || value === '') {
    throw new SessionOptionError('--flink-ssl-password-env', `the session uses Flink TLS and the stores' password is not set (${ssl.passwordEnv} is empty).`,
      `Set ${ssl.passwordEnv} to the keystore and truststore password in the environment of the process that launches the tasks (in VS Code: the "Set Flink TLS Password" command).`);
  }
  return value;
}

/** Why the session cannot launch a task now (TLS on, no password), or undefined. */
export function missingSslPassword(ssl: FlinkSslOptions | undefined, lookup: ((name: string) => string | undefined) | undefined): string | undefined {
  try {
    sslPassword(ssl, lookup);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
