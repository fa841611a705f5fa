// The scheduler client's options, connection states and typed events (SchedulerClient.ts).
import type { Credentials, TlsOptions } from './http';
import type { Logger } from '../log';
import type { MesosError } from './MesosError';
import type { Event, FrameworkInfo, InverseOffer, MasterInfo, Offer, TaskStatus } from './types';

export interface SchedulerClientOptions {
  masters: string;                 // as typed by the user: "host:port", "h1:p1,h2:p2", "zk://h:p/path", "http(s)://host:port"
  frameworkInfo: FrameworkInfo;    // frameworkInfo.id set when reattaching
  credentials?: Credentials;
  tls?: TlsOptions;                // verification on by default; with tls given, plain host:port masters use https
  log?: Logger;
  heartbeatMissedIntervals?: number; // default 5
  backoffInitialMs?: number;         // default 500
  backoffMaxMs?: number;             // default 15000
  callTimeoutMs?: number;            // default 10000
  connectTimeoutMs?: number;         // default 5000
  /** Largest event accepted from the stream (default 16 MiB). */
  maxRecordBytes?: number;
  /** Redirects followed from one master before trying the next (default 5). */
  maxRedirects?: number;
  /** Injectable for tests. */
  random?: () => number;
  /** Asked before a failed subscription is retried: true makes it final (a 'fatal' event) instead, and nothing says "retrying". */
  giveUp?: (reason: MesosError) => boolean;
}

export type ConnectionState = 'connecting' | 'subscribed' | 'disconnected' | 'closed';

export interface SubscribedInfo { frameworkId: string; heartbeatIntervalSeconds: number; masterInfo?: MasterInfo; leaderUrl: string }

export type SchedulerClientEvents = {
  subscribed: [SubscribedInfo];
  offers: [Offer[]];
  rescind: [string];
  inverseOffers: [InverseOffer[]];
  rescindInverseOffer: [string];
  update: [TaskStatus];
  failure: [NonNullable<Event['failure']>];
  message: [NonNullable<Event['message']>];
  connectionState: [ConnectionState, { reason?: string; retryInMs?: number }];
  fatal: [MesosError];
  /** Every event as received, after the typed events above (diagnostics and tests). */
  event: [Event];
};
