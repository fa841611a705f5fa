// What every session sub-command shares: the common flags, credentials and TLS from them, the session's dependencies, the summary document.
import * as fs from 'fs';
import { redact, type Logger } from '../log';
import { DEFAULT_TIMINGS, type FlinkSessionDeps, type PartialFitChoice, type SessionSnapshot, type SessionTimings } from '../session/FlinkSession';
import { FileSessionStore, defaultSessionDir, ownerIsAlive, type SessionOwner } from '../session/SessionStore';
import type { Credentials, TlsOptions } from '../mesos/http';
import type { CliIo } from './cliIo';
import { ArgReader, UsageError } from './argReader';

export interface CommonArgs {
  name: string;
  json: boolean;
  detach: boolean;
  storeDir: string;
  timeoutMs: number;
  verbose: boolean;
  secretFile?: string;
  principal?: string;
  caFile?: string;
  insecureSkipTlsVerify: boolean;
  /** From --ca-file / --insecure-skip-tls-verify (tlsOptions()). */
  tls?: TlsOptions;
  rest: string[];
}

export { UsageError };

export function parseCommon(args: string[], io: CliIo): CommonArgs {
  const out: CommonArgs = { name: 'default', json: false, detach: false, storeDir: defaultSessionDir(io.env), timeoutMs: 600000, verbose: false, insecureSkipTlsVerify: false, rest: [] };
  const r = new ArgReader(args);
  while (r.next()) {
    const a = r.arg;
    const value = (): string => r.value();
    switch (r.name) {
      case '--name': out.name = value(); out.rest.push('--name', out.name); break;
      case '--json': out.json = true; break;
      case '--detach': out.detach = true; break;
      case '--store': out.storeDir = value(); break;
      case '--secret-file': out.secretFile = value(); break;
      case '--ca-file': out.caFile = value(); break;
      case '--insecure-skip-tls-verify': out.insecureSkipTlsVerify = true; break;
      case '--principal': out.principal = value(); out.rest.push('--principal', out.principal); break;
      case '-v': case '--verbose': out.verbose = true; out.rest.push(a); break;
      case '--timeout': {
        const s = Number(value());
        if (!Number.isFinite(s) || s <= 0) throw new UsageError('--timeout needs seconds above 0.');
        out.timeoutMs = s * 1000;
        break;
      }
      default: out.rest.push(a);
    }
  }
  return out;
}

export function cliLogger(io: CliIo, verbose: boolean): Logger {
  const line = (level: string) => (m: string): void => { if (verbose) io.err(`[${level}] ${redact(m)}\n`); };
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

export function credentials(common: CommonArgs, io: CliIo, principal: string | undefined): Credentials | undefined {
  let secret = io.env.FLINK_MESOS_SECRET;
  if (common.secretFile) {
    try {
      secret = fs.readFileSync(common.secretFile, 'utf8').trim();
    } catch (e) {
      throw new UsageError(`The secret file ${common.secretFile} cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}).`);
    }
  }
  if (secret === undefined || secret === '') return undefined;
  if (!principal) throw new UsageError('A Mesos secret was given without --principal: pass the principal it belongs to.');
  return { principal, secret };
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

/** The TLS options of --ca-file (read now, so a bad path fails before anything starts) and --insecure-skip-tls-verify. */
export function tlsOptions(common: CommonArgs, io: CliIo): TlsOptions | undefined {
  if (common.caFile !== undefined && common.insecureSkipTlsVerify) {
    throw new UsageError('--ca-file and --insecure-skip-tls-verify contradict each other: pass the CA file to verify the masters, or skip verification, not both.');
  }
  if (common.insecureSkipTlsVerify) {
    io.err('warning: --insecure-skip-tls-verify: the Mesos masters\' TLS certificates are not verified, so anyone on the way can read and change ' +
      'the traffic, credentials included. Pass --ca-file FILE instead outside of tests.\n');
    return { rejectUnauthorized: false };
  }
  if (common.caFile === undefined) return undefined;
  let ca: string;
  try {
    ca = fs.readFileSync(common.caFile, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : code ?? String(e);
    throw new UsageError(`--ca-file: the CA file ${common.caFile} cannot be read (${why}). Pass the PEM file of the CA that signed the Mesos masters' certificates.`);
  }
  if (!PEM_CERTIFICATE.test(ca)) {
    throw new UsageError(`--ca-file: ${common.caFile} holds no PEM certificate (a "-----BEGIN CERTIFICATE-----" block). Pass the CA certificate in PEM form.`);
  }
  return { ca };
}

export function timingsFromEnv(io: CliIo): Partial<SessionTimings> | undefined {
  const text = io.env.FLINK_MESOS_TIMINGS;
  if (!text) return undefined;
  try {
    return JSON.parse(text) as Partial<SessionTimings>;
  } catch {
    throw new UsageError('FLINK_MESOS_TIMINGS must be a JSON object of session timings (milliseconds).');
  }
}

export function deps(common: CommonArgs, io: CliIo, principal?: string, partialFit: PartialFitChoice = 'stop'): FlinkSessionDeps {
  return {
    store: new FileSessionStore(common.storeDir), log: cliLogger(io, common.verbose),
    credentials: credentials(common, io, principal), tls: common.tls, timings: timingsFromEnv(io),
    // Decided up front on the command line: nobody is asked in the middle of a start.
    decidePartialFit: () => partialFit,
  };
}

/** Takes --on-partial-fit out of the start arguments (a CLI flag, not a session option). */
export function partialFitChoice(args: string[]): { choice: PartialFitChoice; rest: string[] } {
  let choice: PartialFitChoice = 'stop';
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const eq = /^--on-partial-fit=(.*)$/s.exec(args[i]);
    if (!eq && args[i] !== '--on-partial-fit') { rest.push(args[i]); continue; }
    const value = eq ? eq[1] : args[++i];
    if (value !== 'keep' && value !== 'stop') {
      throw new UsageError(`--on-partial-fit needs "stop" (stop the session when not every TaskManager fits; the default) or "keep" (keep it smaller), not ${value === undefined ? 'nothing' : `"${value}"`}.`);
    }
    choice = value;
  }
  return { choice, rest };
}

export function ensureNoExtra(common: CommonArgs, allowed: string[] = []): void {
  const extra = common.rest.filter((a, i, all) => !allowed.includes(a) && !(i > 0 && all[i - 1] === '--name') && a !== '--name' && !(i > 0 && all[i - 1] === '--principal') && a !== '--principal' && a !== '-v' && a !== '--verbose');
  if (extra.length > 0) throw new UsageError(`Unknown argument${extra.length > 1 ? 's' : ''}: ${extra.join(' ')}.`);
}

export function summary(s: SessionSnapshot): Record<string, unknown> {
  return {
    name: s.name, phase: s.phase, reason: s.reason, frameworkId: s.frameworkId, user: s.options.user, jobManagerUrl: s.jobManagerUrl, flinkUiUrl: s.flinkUiUrl,
    mesosUiUrl: s.mesosUiUrl, taskManagers: s.progress, tasks: [...(s.jobManager ? [s.jobManager] : []), ...s.taskManagers].map((t) => ({ taskId: t.taskId, kind: t.kind, state: t.state, hostname: t.hostname, agentId: t.agentId, ports: t.ports })),
  };
}


/** When another client's owner heartbeat counts as stale (FLINK_MESOS_TIMINGS can shorten it for tests). */
export function leaseStaleMs(io: CliIo): number {
  return timingsFromEnv(io)?.leaseStaleMs ?? DEFAULT_TIMINGS.leaseStaleMs;
}

/** The client that drives the saved session now (its owner lease is fresh), if any. */
export async function drivenBy(common: CommonArgs, io: CliIo): Promise<SessionOwner | undefined> {
  const record = await new FileSessionStore(common.storeDir).load(common.name);
  const owner = record?.owner;
  return owner && ownerIsAlive(owner, '', Date.now(), leaseStaleMs(io)) ? owner : undefined;
}
