// The Flink TLS settings (flinkMesos.flinkSsl.*) and their mapping to the core's options; the stores' password lives in
// SecretStorage (the "Set Flink TLS Password" command), never in settings. No vscode import: tested in plain Node.
import type { FlinkSslInput } from '../core/session/flinkSsl';
import { readPemCa } from '../core/http/pemCa';
import type { Logger } from '../core/log';
import type { TlsOptions } from '../core/mesos/http';

export interface FlinkSslSettings {
  connections: string;
  keystore: string;
  truststore: string;
  restKeystore: string;
  restTruststore: string;
  restCaFile: string;
}

/** The session's TLS input from the settings; nothing when no keystore is set (TLS off). */
export function flinkSslInput(s: FlinkSslSettings): FlinkSslInput {
  if (!s.keystore.trim() && !s.restKeystore.trim()) return {};
  const out: FlinkSslInput = { sslConnections: s.connections.trim() || undefined };
  if (s.keystore.trim()) out.sslKeystore = s.keystore.trim();
  if (s.truststore.trim()) out.sslTruststore = s.truststore.trim();
  if (s.restKeystore.trim()) out.sslRestKeystore = s.restKeystore.trim();
  if (s.restTruststore.trim()) out.sslRestTruststore = s.restTruststore.trim();
  if (s.restCaFile.trim()) out.flinkRestCa = s.restCaFile.trim();
  return out;
}

/**
 * What a panel's REST client verifies an https JobManager with: the PEM CA file, read now. Unreadable: thrown (an attach
 * by address), or logged when `log` is given (a session's client; its calls then fail with the TLS error that names it).
 */
export function restCaTls(caFile: string | undefined, log?: Logger, setting = '--flink-rest-ca'): TlsOptions | undefined {
  if (!caFile) return undefined;
  try {
    return { ca: readPemCa(caFile, setting, 'the JobManager\'s REST certificate') };
  } catch (err) {
    if (!log) throw err;
    log.error(err instanceof Error ? err.message : String(err));
    return undefined;
  }
}
