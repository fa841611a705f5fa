// The core logs through this interface; the CLI prints it, the extension sends it to its output channel.
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Masks credentials in anything that is about to be logged. */
export function redact(text: string): string {
  return text
    .replace(/(authorization["']?\s*[:=]\s*["']?)(basic|bearer)\s+[A-Za-z0-9+/=._-]+/gi, '$1$2 <redacted>')
    .replace(/(\/\/[^/:@\s]+:)[^@\s/]+@/g, '$1<redacted>@')
    // The Flink TLS password in a launched TaskInfo's environment (flinkSsl.ts).
    .replace(/("name"\s*:\s*"FLINK_MESOS_SSL_PASSWORD"\s*,\s*"value"\s*:\s*")(?:[^"\\]|\\.)*"/g, '$1<redacted>"');
}
