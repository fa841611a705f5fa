// The shape of a UI flow: a compiled `out/test/ui/**/*.flow.js` exports `name` and `run(ctx)`,
// optionally `setup(workspace)` to fill the workspace and give settings before the workbench opens.
import type { Page } from 'playwright-core';
import type { CodeServerHandle } from './codeServer';
import type * as helpers from './workbench';
import type { Workbench } from './workbench';

export interface FlowSetup {
  /** User settings for this flow's VS Code (e.g. flinkMesos.master). */
  settings?: Record<string, unknown>;
  /** Called after the flow, also when it failed (stop clusters started in setup). */
  teardown?: () => Promise<void>;
}

export interface FlowContext {
  page: Page;
  workbench: Workbench;
  server: CodeServerHandle;
  /** The flow's own workspace folder (a temp dir, removed afterwards). */
  workspace: string;
  repoRoot: string;
  helpers: typeof helpers;
  /** Saves test-results/screenshots/<name>.png. */
  screenshot(name: string): Promise<string>;
  log(line: string): void;
}

export interface UiFlowModule {
  name: string;
  /** Per-flow time limit (default 120 s). */
  timeoutMs?: number;
  setup?(workspace: string): Promise<FlowSetup | void>;
  run(ctx: FlowContext): Promise<void>;
}
