// The errors a session operation throws, with the fix in their text: the CLI maps their kind to exit codes.
import type { SessionOwner } from './SessionStore';

/** A second client would fight over the framework: refused. */
export class SessionConflictError extends Error {
  constructor(readonly name_: string, readonly owner: SessionOwner) {
    super(`The session "${name_}" is driven by another client (pid ${owner.pid} on ${owner.host}, seen ${Math.round((Date.now() - owner.heartbeatAt) / 1000)} s ago). ` +
      'Use that client, or stop it first; "flink-mesos session status" shows the session read-only.');
    this.name = 'SessionConflictError';
  }
}

export class SessionError extends Error {
  constructor(message: string, readonly fix: string, readonly kind: 'exists' | 'notFound' | 'state' | 'unreachable' | 'removed' = 'state') {
    super(`${message} ${fix}`);
    this.name = 'SessionError';
  }
}
