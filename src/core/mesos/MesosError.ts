// One error type for everything the Mesos client reports, so callers can switch on `kind` and show `fix`.

export type MesosErrorKind =
  | 'badMasterAddress'   // the master address text cannot be used
  | 'unreachable'        // no master answered (refused, timeout, DNS)
  | 'unavailable'        // 503/404: no leader yet, or a master still recovering
  | 'notLeader'          // 307 on a call: the leader moved
  | 'unauthorized'       // 401
  | 'forbidden'          // 403 on SUBSCRIBE: the principal may not register this framework
  | 'badRequest'         // 400, with the master's text
  | 'protocol'           // 405/406/415 or a malformed answer: a bug on our side or not a Mesos master
  | 'notMaster'          // the address answers HTTP but is no Mesos master (a Mesos agent, a web server)
  | 'notSubscribed'      // a call while the stream is down, or 403 on a call
  | 'timeout'            // a call or connection that took too long
  | 'streamGarbage'      // the event stream broke its RecordIO framing or carried invalid JSON
  | 'heartbeatMissed'    // no event for heartbeatMissedIntervals x heartbeat interval
  | 'failedOver'         // ERROR "Framework failed over": another client subscribed with our id
  | 'frameworkRemoved'   // ERROR "Framework has been removed": failover timeout passed or torn down
  | 'roleRefused'        // ERROR about roles
  | 'masterError'        // any other ERROR event
  | 'zookeeper'          // ZooKeeper could not be reached or holds no leader
  | 'notFound'           // 404 from an agent's files endpoint: no such sandbox file
  | 'closed';            // the client was closed

export class MesosError extends Error {
  readonly kind: MesosErrorKind;
  readonly status?: number;
  /** What the user can do about it, in one sentence. */
  readonly fix: string;
  /** Whether the client keeps trying on its own. */
  readonly retryable: boolean;

  constructor(kind: MesosErrorKind, message: string, fix: string, opts: { status?: number; retryable?: boolean; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'MesosError';
    this.kind = kind;
    this.fix = fix;
    this.status = opts.status;
    this.retryable = opts.retryable ?? false;
  }

  /** Message and fix together, as shown to a user. */
  describe(): string {
    return this.fix ? `${this.message}. ${this.fix}` : this.message;
  }
}
