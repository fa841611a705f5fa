// Which Flink release the stand-in imitates; fields of the REST answers differ between releases.
export interface FlinkVersion { text: string; major: number; minor: number; patch: number }

export const DEFAULT_FLINK_VERSION = '1.19.1';

export function parseFlinkVersion(text: string): FlinkVersion {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?(?:[-.].*)?$/.exec(text.trim());
  if (!m) throw new Error(`standin.flink-version "${text}" is not a Flink version: use a form like 1.19.1, 1.13.6 or 2.0.0`);
  return { text: text.trim(), major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) };
}

/** True when `v` is the release `atLeast` ("1.15", "2.0") or a later one. */
export function versionAtLeast(v: FlinkVersion, atLeast: string): boolean {
  const w = parseFlinkVersion(atLeast);
  if (v.major !== w.major) return v.major > w.major;
  if (v.minor !== w.minor) return v.minor > w.minor;
  return v.patch >= w.patch;
}

/** Flink 1.18 moved its RPC from Akka to Pekko; TaskManager paths show it. */
export function rpcScheme(v: FlinkVersion): string {
  return versionAtLeast(v, '1.18') ? 'pekko.tcp' : 'akka.tcp';
}
