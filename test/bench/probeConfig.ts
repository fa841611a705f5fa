// What webBench.ts tells the host probe (a JSON file in the workspace folder): kept apart from hostProbe.ts,
// which imports `vscode` and so loads only inside the extension host.
export interface ProbeConfig {
  controlUrl: string;
  extensionId: string;
  /** Absent: only activation is measured. */
  jobManagerUrl?: string;
  visibleSeconds: number;
  hiddenSeconds: number;
  graceSeconds: number;
  /**
   * 'scale': measure the extension host's memory with no session (the sidebar open), then attach the 1,000-TaskManager
   * JobManager, open a TaskManager panel and keep the sidebar and the panel visible for visibleSeconds.
   */
  mode?: 'hidden' | 'scale';
  /** scale mode: the TaskManager whose panel is opened. */
  taskManagerId?: string;
}

export const PROBE_CONFIG_FILE = '.bench-probe.json';
