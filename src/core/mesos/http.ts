// HTTP plumbing shared by the scheduler, operator and agent clients: undici agents with TLS and timeouts,
// basic authentication, and turning transport failures into MesosErrors that say what to do.
import { Agent } from '../http/undici';
import { redact, type Logger } from '../log';
import { MesosError } from './MesosError';

export interface Credentials { principal: string; secret: string }
export interface TlsOptions { ca?: string; rejectUnauthorized?: boolean }

export interface AgentOptions {
  tls?: TlsOptions;
  connectTimeoutMs: number;
  /** Time to wait for response headers. */
  headersTimeoutMs: number;
  /** Time allowed between body chunks; 0 disables it (the event stream has its own heartbeat watchdog). */
  bodyTimeoutMs: number;
  /** Connections per origin. */
  connections?: number;
}

export function createAgent(opts: AgentOptions): Agent {
  return new Agent({
    connect: {
      timeout: opts.connectTimeoutMs,
      // Verification stays on unless the caller turns it off explicitly.
      rejectUnauthorized: opts.tls?.rejectUnauthorized ?? true,
      ...(opts.tls?.ca ? { ca: opts.tls.ca } : {}),
    },
    headersTimeout: opts.headersTimeoutMs,
    bodyTimeout: opts.bodyTimeoutMs,
    connections: opts.connections,
  });
}

export function basicAuthorization(credentials?: Credentials): Record<string, string> {
  if (!credentials) return {};
  const token = Buffer.from(`${credentials.principal}:${credentials.secret}`, 'utf8').toString('base64');
  return { authorization: `Basic ${token}` };
}

/** Logs one request at debug level with its credentials masked. */
export function logRequest(log: Logger, method: string, url: string, headers: Record<string, string>, body?: string): void {
  const shown = body === undefined ? '' : ` ${body.length > 2000 ? body.slice(0, 2000) + `... (${body.length} bytes)` : body}`;
  log.debug(redact(`mesos > ${method} ${url} ${JSON.stringify(headers)}${shown}`));
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_UNTRUSTED',
  'ERR_SSL_WRONG_VERSION_NUMBER', 'EPROTO',
]);

function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Turns a failed undici request into a MesosError. TLS failures are not retried: they need a configuration change. */
export function networkError(err: unknown, url: string, what: string, timeoutMs: { connect: number; call: number }): MesosError {
  if (err instanceof MesosError) return err;
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  if (code && TLS_CODES.has(code)) {
    return new MesosError('unreachable', `${what} at ${url} failed TLS verification (${code}: ${message})`,
      'Give the CA that signed the master\'s certificate (the tls.ca option), or use the right host name or scheme; turn verification off only if you accept the risk.',
      { cause: err, retryable: false });
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new MesosError('timeout', `${what}: no connection to ${url} within ${timeoutMs.connect} ms`,
      'Check that the master address is right and reachable from this machine (firewall, VPN).', { cause: err, retryable: true });
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || (err instanceof Error && err.name === 'TimeoutError')) {
    return new MesosError('timeout', `${what}: ${url} did not answer within ${timeoutMs.call} ms`,
      'The master may be overloaded or not a Mesos master; check the address, or raise the call timeout.', { cause: err, retryable: true });
  }
  if (code === 'ECONNREFUSED') {
    return new MesosError('unreachable', `${what}: connection to ${url} refused`,
      'Check the master address and port, and that the Mesos master is running.', { cause: err, retryable: true });
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new MesosError('unreachable', `${what}: the host of ${url} cannot be resolved`,
      'Check the spelling of the master\'s host name and your DNS.', { cause: err, retryable: true });
  }
  return new MesosError('unreachable', `${what}: ${url} failed (${code ? code + ': ' : ''}${message})`,
    'Check that the master is running and reachable.', { cause: err, retryable: true });
}

/** The origin a 307 points to. Mesos sends protocol-relative locations ("//host:port/..."), resolved against the current URL's scheme. */
export function resolveRedirect(location: string, current: string): string {
  const resolved = new URL(location, current);
  return `${resolved.protocol}//${resolved.host}`;
}

/** Reads a short error body (the master answers errors as text/plain). */
export function shortText(text: string, max = 500): string {
  const t = text.trim();
  return t.length > max ? t.slice(0, max) + '...' : t;
}

export function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
