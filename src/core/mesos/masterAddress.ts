// Parses the master address as a user types it: "host:port", "h1:p1,h2:p2", "http(s)://host:port", "zk://[user:pass@]h1:p1/path".
import { MesosError } from './MesosError';

export const DEFAULT_MASTER_PORT = 5050;

export interface ZooKeeperAddress {
  kind: 'zk';
  /** "h1:p1,h2:p2", as ZooKeeper clients take it. */
  connect: string;
  servers: { host: string; port: number }[];
  /** The znode under which masters register, e.g. "/mesos". */
  path: string;
  auth?: { user: string; password: string };
}

export interface MasterList {
  kind: 'list';
  /** Base URLs without a trailing slash, e.g. "http://10.0.0.1:5050". */
  urls: string[];
}

export type MasterAddress = MasterList | ZooKeeperAddress;

const EXAMPLES = 'e.g. "mesos.example.com:5050", "m1:5050,m2:5050", "https://mesos.example.com:5050" or "zk://zk1:2181,zk2:2181/mesos"';

function bad(problem: string, fix: string): MesosError {
  return new MesosError('badMasterAddress', `Bad Mesos master address: ${problem}`, fix);
}

function parsePort(text: string, whole: string, what: string): number {
  if (!/^\d{1,5}$/.test(text)) {
    throw bad(`"${whole}" has the ${what} port "${text}", which is not a number`, `Write the port as digits between 1 and 65535, ${EXAMPLES}.`);
  }
  const port = Number(text);
  if (port < 1 || port > 65535) {
    throw bad(`"${whole}" has the ${what} port ${port}, outside 1-65535`, `Use the port the master listens on (Mesos uses 5050 by default).`);
  }
  return port;
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$/;

/** Splits "host:port", "[v6]:port" or "host" (port defaults to defaultPort when given). */
function parseHostPort(item: string, whole: string, what: string, defaultPort?: number): { host: string; port: number } {
  let host: string;
  let portText: string | undefined;
  const v6 = /^\[([0-9A-Fa-f:.]+)\](?::(.*))?$/.exec(item);
  if (v6) {
    host = `[${v6[1]}]`;
    portText = v6[2];
  } else {
    const colon = item.indexOf(':');
    if (colon !== item.lastIndexOf(':')) {
      throw bad(`"${item}" has more than one ':'`, `Write one ${what} as host:port (IPv6 addresses in brackets, [::1]:5050), ${EXAMPLES}.`);
    }
    host = colon < 0 ? item : item.slice(0, colon);
    portText = colon < 0 ? undefined : item.slice(colon + 1);
  }
  if (host === '' || (!v6 && !HOSTNAME.test(host))) {
    const problem = host === '' ? `"${item}" has no host before the ':'` : `"${item}" has the host "${host}", which is not a valid host name or IP address`;
    throw bad(problem, `Write each ${what} as host:port, ${EXAMPLES}.`);
  }
  if (portText === undefined) {
    if (defaultPort === undefined) throw bad(`"${item}" has no port`, `Add the ${what} port, e.g. "${host}:2181".`);
    return { host, port: defaultPort };
  }
  if (portText === '') throw bad(`"${item}" ends with ':' but has no port`, `Add the port after the ':', e.g. "${host}:${defaultPort ?? 2181}".`);
  return { host, port: parsePort(portText, whole, what) };
}

function parseZk(text: string): ZooKeeperAddress {
  const rest = text.slice('zk://'.length);
  const slash = rest.indexOf('/');
  if (slash < 0 || slash === rest.length - 1) {
    throw bad(`"${text}" has no ZooKeeper path`, 'Add the path under which the masters register, usually "/mesos": "zk://zk1:2181,zk2:2181/mesos".');
  }
  let authority = rest.slice(0, slash);
  const path = rest.slice(slash).replace(/\/+$/, '');
  if (/\/\/|[\s?#]/.test(path)) {
    throw bad(`"${text}" has the ZooKeeper path "${path}", which is not a valid znode path`, 'Use a path like "/mesos" without spaces, "?", "#" or empty segments.');
  }
  let auth: ZooKeeperAddress['auth'];
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const credentials = authority.slice(0, at);
    authority = authority.slice(at + 1);
    const sep = credentials.indexOf(':');
    if (sep <= 0 || sep === credentials.length - 1) {
      throw bad('the ZooKeeper credentials before "@" are not "user:password"', 'Write them as zk://user:password@zk1:2181/mesos, or leave them out.');
    }
    auth = { user: decodeURIComponent(credentials.slice(0, sep)), password: decodeURIComponent(credentials.slice(sep + 1)) };
  }
  if (authority === '') {
    throw bad(`"${text}" names no ZooKeeper server`, 'List the ZooKeeper servers after "zk://": "zk://zk1:2181,zk2:2181/mesos".');
  }
  const servers = authority.split(',').map((s) => {
    if (s.trim() === '') throw bad(`"${text}" has an empty entry in its ZooKeeper server list`, 'Remove the extra comma.');
    return parseHostPort(s.trim(), text, 'ZooKeeper server', 2181);
  });
  const result: ZooKeeperAddress = { kind: 'zk', connect: servers.map((s) => `${s.host}:${s.port}`).join(','), servers, path };
  if (auth) result.auth = auth;
  return result;
}

function parseMasterItem(item: string, defaultScheme: 'http' | 'https'): string {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(item);
  if (scheme) {
    const s = scheme[1].toLowerCase();
    if (s === 'zk') throw bad(`"${item}" mixes zk:// with other masters`, 'Use either one zk:// address or a comma-separated list of masters, not both.');
    if (s !== 'http' && s !== 'https') {
      throw bad(`"${item}" uses the scheme "${s}://"`, `Use http://, https://, zk:// or plain host:port, ${EXAMPLES}.`);
    }
    const rest = item.slice(scheme[0].length).replace(/\/+$/, '');
    if (rest.includes('/') || rest.includes('?') || rest.includes('#')) {
      throw bad(`"${item}" has a path`, `Give only the master's scheme, host and port, e.g. "${s}://${rest.split(/[/?#]/)[0]}"; the client adds /api/v1/scheduler itself.`);
    }
    if (rest.includes('@')) throw bad(`"${item}" carries credentials in the URL`, 'Remove them from the address and set the principal and secret as credentials instead.');
    if (rest === '') throw bad(`"${item}" has no host`, `Add the master's host and port, e.g. "${s}://mesos.example.com:5050".`);
    const { host, port } = parseHostPort(rest, item, 'master', s === 'https' ? 443 : 80);
    return `${s}://${host}:${port}`;
  }
  if (/[/?#@\s]/.test(item)) {
    throw bad(`"${item}" is not host:port`, `Write the master as host:port, ${EXAMPLES}.`);
  }
  const { host, port } = parseHostPort(item, item, 'master', DEFAULT_MASTER_PORT);
  return `${defaultScheme}://${host}:${port}`;
}

/**
 * Parses a master address. Plain host:port entries use defaultScheme (http unless said); a host without a port gets 5050.
 * Throws MesosError kind 'badMasterAddress' whose message names the problem and whose fix says what to write.
 */
export function parseMasters(text: string, opts: { defaultScheme?: 'http' | 'https' } = {}): MasterAddress {
  const trimmed = (text ?? '').trim();
  if (trimmed === '') {
    throw bad('it is empty', `Set the master address, ${EXAMPLES}.`);
  }
  if (/^zk:\/\//i.test(trimmed)) return parseZk('zk://' + trimmed.slice(5));
  if (/^zk:/i.test(trimmed)) throw bad(`"${trimmed}" is not a zk:// URL`, 'Write it as zk://host:port,host:port/path, e.g. "zk://zk1:2181/mesos".');
  const items = trimmed.split(',').map((s) => s.trim());
  const urls: string[] = [];
  for (const item of items) {
    if (item === '') throw bad(`"${trimmed}" has an empty entry in its list of masters`, 'Remove the extra comma: "m1:5050,m2:5050".');
    const url = parseMasterItem(item, opts.defaultScheme ?? 'http');
    if (!urls.includes(url)) urls.push(url);
  }
  return { kind: 'list', urls };
}
