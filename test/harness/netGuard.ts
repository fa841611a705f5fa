// Preloaded into code-server's Node processes (NODE_OPTIONS=--require, see codeServer.ts): every connection attempt and
// host look-up that is not loopback is written to FOM_NET_GUARD_LOG and refused here, before anything leaves the machine.
// Each process also writes one "loaded" line, so the harness can tell which processes were watched.
// Covers net.Socket#connect (so net, http, https, tls and fetch) and dns.lookup / dns.promises.lookup.
import * as fs from 'node:fs';
import * as net from 'node:net';
// The module object itself (not an import namespace, whose members cannot be replaced), so that every caller sees the guard.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dns = require('node:dns') as typeof import('node:dns');

const logFile = process.env.FOM_NET_GUARD_LOG;

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost') || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return net.isIPv4(v4) && v4.startsWith('127.');
}

function record(kind: 'loaded' | 'connect' | 'lookup', target: string): void {
  if (!logFile) return;
  try {
    fs.appendFileSync(logFile, `${JSON.stringify({ kind, target, pid: process.pid, argv: process.argv.slice(1, 3).join(' ') })}\n`);
  } catch { /* the harness removed the folder: nothing to record into */ }
}

function refused(target: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`connect ECONNREFUSED ${target} (refused by the test harness: only loopback may be contacted)`);
  err.code = 'ECONNREFUSED';
  return err;
}

/** The host (or unix path) a Socket#connect call aims at, from its overloads (port, host) / (options) / (path). */
function targetOf(args: unknown[]): { host?: string; port?: unknown; path?: string } {
  const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
  if (first !== null && typeof first === 'object') {
    const o = first as { host?: string; port?: unknown; path?: string };
    return { host: o.host, port: o.port, path: o.path };
  }
  if (typeof first === 'string' && !/^\d+$/.test(first)) return { path: first };
  return { port: first, host: typeof args[1] === 'string' ? args[1] : undefined };
}

function install(): void {
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]): net.Socket {
    const t = targetOf(args);
    if (t.path === undefined) {
      const host = t.host ?? 'localhost';
      if (!isLoopbackHost(host)) {
        const target = `${host}:${String(t.port)}`;
        record('connect', target);
        process.nextTick(() => this.destroy(refused(target)));
        return this;
      }
    }
    return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof connect;

  const lookup = dns.lookup;
  const guardedLookup = function (hostname: string, ...rest: unknown[]): void {
    const callback = rest[rest.length - 1] as (err: NodeJS.ErrnoException | null, ...r: unknown[]) => void;
    if (typeof hostname === 'string' && hostname && !isLoopbackHost(hostname) && net.isIP(hostname) === 0) {
      record('lookup', hostname);
      const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname} (refused by the test harness: only loopback may be contacted)`);
      err.code = 'ENOTFOUND';
      process.nextTick(() => callback(err));
      return;
    }
    (lookup as (...a: unknown[]) => void)(hostname, ...rest);
  };
  (dns as { lookup: unknown }).lookup = guardedLookup;
  const promisesLookup = dns.promises.lookup;
  (dns.promises as { lookup: unknown }).lookup = async (hostname: string, ...rest: unknown[]): Promise<unknown> => {
    if (typeof hostname === 'string' && hostname && !isLoopbackHost(hostname) && net.isIP(hostname) === 0) {
      record('lookup', hostname);
      const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname} (refused by the test harness)`);
      err.code = 'ENOTFOUND';
      throw err;
    }
    return (promisesLookup as (...a: unknown[]) => Promise<unknown>)(hostname, ...rest);
  };
  record('loaded', '');
}

if (logFile) install();
