import * as vscode from 'vscode';
import { MesosCredentials } from '../credentials/CredentialStore';
import type { ForgetVerdict } from '../core/session/forgetSession';
import { SessionSettings } from '../settings/extensionSettings';
import { MesosSessionHandle } from './SessionManager';

export interface LaunchProgress {
  /** A phase of the core's state machine, in words ("launching the JobManager", "TaskManagers 2/3"). */
  report(message: string): void;
}

/** Starts and reattaches Mesos-backed sessions through the core; implemented by MesosSessionLauncher. */
export interface SessionLauncher {
  /** Resolves when the session is running (or throws with the core's reason); the token cancels and tears down. */
  start(settings: SessionSettings, credentials: MesosCredentials | undefined, progress: LaunchProgress, token: vscode.CancellationToken): Promise<MesosSessionHandle>;
  /** Sessions saved in the extension's storage (started in this or an earlier window). */
  saved(): Promise<string[]>;
  /** Re-subscribes with the saved framework id and reconciles; refuses when another window holds the session. */
  reattach(name: string, credentials: (master: string) => Promise<MesosCredentials | undefined>): Promise<MesosSessionHandle>;
  /** What forgetting a saved session means; throws while its master still knows it or another client drives it. */
  checkForget(name: string, credentials: MesosCredentials | undefined, thisWindowDrives: boolean): Promise<ForgetVerdict>;
  /** Removes the saved record: the name is free again. */
  forget(verdict: ForgetVerdict): Promise<void>;
  /** The Flink TLS stores' password (from SecretStorage) a TLS session's tasks get. */
  flinkSslPassword?: string;
}
