// Errors of calls to a JobManager's REST API: what went wrong, where, and what to do about it.

export type FlinkRestErrorKind =
  | 'http' // Flink answered with an error status and its own {"errors": [...]} body
  | 'notFlink' // something answered, but not Flink's REST API (an HTML page, another service, not HTTP at all)
  | 'refused' // nothing listens at the address
  | 'timeout' // no answer in time
  | 'unreachable' // unknown host, network down, connection reset
  | 'tls' // a certificate the client does not trust, or http and https mixed up
  | 'operation'; // an asynchronous operation (savepoint, stop) completed with a failure

export interface FlinkRestErrorInit {
  kind: FlinkRestErrorKind;
  address: string;
  endpoint: string;
  status?: number;
  flinkMessage?: string;
  rootCause?: string;
  fullText?: string;
  fix?: string;
  cause?: unknown;
}

export class FlinkRestError extends Error {
  readonly kind: FlinkRestErrorKind;
  /** The JobManager's base URL, e.g. http://10.0.0.5:8081 */
  readonly address: string;
  /** Method and path, e.g. "POST /jars/abc_job.jar/run" */
  readonly endpoint: string;
  readonly status?: number;
  /** First line of Flink's own message (without Java exception class names). */
  readonly flinkMessage?: string;
  /** The innermost "Caused by:" of Flink's stack trace, when it says more than the first line. */
  readonly rootCause?: string;
  /** Everything Flink sent; for the log, not for a notification. */
  readonly fullText?: string;
  readonly fix?: string;

  constructor(message: string, init: FlinkRestErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'FlinkRestError';
    this.kind = init.kind;
    this.address = init.address;
    this.endpoint = init.endpoint;
    this.status = init.status;
    this.flinkMessage = init.flinkMessage;
    this.rootCause = init.rootCause;
    this.fullText = init.fullText;
    this.fix = init.fix;
  }

  /** True when the JobManager no longer has the jar (restarted, or the jar was deleted). */
  get isJarMissing(): boolean {
    if (this.kind !== 'http') return false;
    const text = `${this.flinkMessage ?? ''}\n${this.rootCause ?? ''}`;
    return /jar file .*does not exist|does not exist.*\.jar|could not find jar/i.test(text) && !/entry point/i.test(text);
  }
}

const JAVA_CLASS_PREFIX = /^(?:[a-zA-Z_$][\w$]*\.)+[A-Z][\w$]*(?:\$[\w$]+)?:\s*/;

/** Removes leading "org.apache.flink...SomeException: " prefixes, repeatedly (wrapped exceptions). */
export function stripJavaExceptionPrefix(line: string): string {
  let s = line.trim();
  for (let i = 0; i < 5; i++) {
    const m = JAVA_CLASS_PREFIX.exec(s);
    if (!m || m[0].length >= s.length) break;
    s = s.slice(m[0].length).trim();
  }
  return s;
}

/** First line and innermost cause of Flink's error entries ({"errors": [...]}). */
export function summarizeFlinkErrors(errors: readonly string[]): { first: string; rootCause?: string; fullText: string } {
  const fullText = errors.join('\n');
  const entries = errors.map((e) => e.replace(/^<Exception on server side:\s*/, '').replace(/\s*End of exception on server side>\s*$/, ''));
  let firstEntry = entries.find((e) => e.trim() !== '') ?? '';
  const generic = /^internal server error\.?$/i;
  if (generic.test(firstLine(firstEntry)) && entries.length > 1) firstEntry = entries.slice(1).find((e) => e.trim() !== '') ?? firstEntry;
  const first = stripJavaExceptionPrefix(firstLine(firstEntry)) || firstLine(firstEntry) || 'no message';

  let rootCause: string | undefined;
  const causes = fullText.split('\n').filter((l) => /^\s*Caused by:/.test(l));
  if (causes.length > 0) {
    const lastLine = causes[causes.length - 1].replace(/^\s*Caused by:\s*/, '');
    let last = stripJavaExceptionPrefix(lastLine);
    // java.nio.file exceptions carry only a path (FileAlreadyExistsException: /data/x): the class name is the reason,
    // and the cause before it says what was being done (Flink's "Failed to create savepoint directory at ...").
    const simpleClass = /^(?:[a-zA-Z_$][\w$]*\.)+([A-Z][\w$]*):/.exec(lastLine)?.[1];
    if (simpleClass && /^(?:file:)?\//.test(last)) {
      const before = causes.length > 1 ? stripJavaExceptionPrefix(causes[causes.length - 2].replace(/^\s*Caused by:\s*/, '')) : '';
      last = `${before && before !== first ? `${before}: ` : ''}${simpleClass}: ${last}`;
    }
    if (last && last !== first && !/^(?:[a-zA-Z_$][\w$]*\.)+[A-Z][\w$]*$/.test(last)) rootCause = last;
  }
  return { first, rootCause, fullText };
}

export function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '');
  return (line ?? '').trim();
}
