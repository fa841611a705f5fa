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
}

export const PROBE_CONFIG_FILE = '.bench-probe.json';
