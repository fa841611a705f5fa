// Flink's REST error bodies: {"errors": [...]}, with the stack-trace form of newer releases.
import { FlinkVersion } from './flinkVersion';

export interface JavaException {
  className: string;
  message: string;
  frames?: string[];
}

const DEFAULT_FRAMES = [
  'org.apache.flink.runtime.rest.handler.AbstractRestHandler.respondToRequest(AbstractRestHandler.java:83)',
  'org.apache.flink.runtime.rest.handler.AbstractHandler.respondAsLeader(AbstractHandler.java:196)',
  'org.apache.flink.runtime.rest.handler.LeaderRetrievalHandler.lambda$channelRead0$0(LeaderRetrievalHandler.java:83)',
  'java.base/java.util.Optional.ifPresent(Optional.java:183)',
];

/** A Java-style stack trace with "Caused by:" sections, as ExceptionUtils.stringifyException prints it. */
export function stringifyException(chain: JavaException[]): string {
  return chain
    .map((e, i) => `${i === 0 ? '' : 'Caused by: '}${e.className}: ${e.message}\n${(e.frames ?? DEFAULT_FRAMES).map((f) => `\tat ${f}`).join('\n')}`)
    .join('\n');
}

/**
 * An error a handler answers on purpose. `plain` errors come from Flink's Netty handlers (router, upload) and never carry a stack trace;
 * the others are RestHandlerExceptions, which 1.15+ print with their stack trace.
 */
export class RestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly opts: { plain?: boolean; exceptionClass?: string; causes?: JavaException[]; unhandled?: boolean } = {},
  ) {
    super(message);
  }
}

export function notFound(message: string, causes: JavaException[] = []): RestError {
  return new RestError(404, message, { exceptionClass: 'org.apache.flink.runtime.rest.NotFoundException', causes });
}

/** The cause real JobManagers give for a job id they do not know. */
export function jobNotFoundCause(jobId: string): JavaException[] {
  return [{ className: 'org.apache.flink.runtime.messages.FlinkJobNotFoundException', message: `Could not find Flink job (${jobId})` }];
}

export function badRequest(message: string): RestError {
  return new RestError(400, message);
}

export function errorBody(err: RestError, version: FlinkVersion): { errors: string[] } {
  const chain: JavaException[] = [
    { className: err.opts.exceptionClass ?? 'org.apache.flink.runtime.rest.handler.RestHandlerException', message: err.message },
    ...(err.opts.causes ?? []),
  ];
  if (err.opts.unhandled) {
    return { errors: ['Internal server error.', `<Exception on server side:\n${stringifyException(chain)}\n\nEnd of exception on server side>`] };
  }
  // Recorded: 1.13 sends the stack trace too, as 1.20 and 2.x do.
  void version;
  if (err.opts.plain) return { errors: [err.message] };
  return { errors: [stringifyException(chain)] };
}
