import * as vscode from 'vscode';
import { JobResultData, SessionResourcesData, TaskManagerData } from './protocol';

/** What the panels need from the SessionManager; panels never talk to Mesos or Flink themselves. */
export interface PanelDataSource {
  readonly onDidChangeSession: vscode.Event<string>;
  sessionResources(session: string): SessionResourcesData | undefined;
  /** Also samples heap/non-heap, so polling this builds the chart's history; reads Flink only when due, or now when fresh. */
  taskManager(session: string, taskManagerId: string, fresh?: boolean): Promise<TaskManagerData | undefined>;
  jobResult(session: string, jobId: string): Promise<JobResultData | undefined>;
  /** The local file behind the job's n-th output link, or undefined when the index is not one the extension offered. */
  outputFile(session: string, jobId: string, index: number): vscode.Uri | undefined;
  hasTaskManager(session: string, taskManagerId: string): boolean;
  pollingIntervalMs(): number;
  /**
   * Follows one job with the core's JobWatcher (polls only while followed); onEnd when it gives up.
   * Undefined when the job cannot be followed yet: the panel then polls on its own.
   */
  followJob?(session: string, jobId: string, onChange: () => void, onEnd: () => void): vscode.Disposable | undefined;
}
