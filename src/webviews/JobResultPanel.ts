import * as vscode from 'vscode';
import { Logger } from '../core/log';
import { TERMINAL_JOB_STATES } from '../session/sessionViews';
import { PanelDataSource } from './PanelDataSource';
import { PanelData, PanelResource, WebviewAction } from './protocol';
import { WebviewPanelBase } from './WebviewPanelBase';

/** One job: state timeline, vertices, accumulators, exceptions, and links to the output files named in its arguments. */
export class JobResultPanel extends WebviewPanelBase {
  static readonly viewType = 'flinkMesos.jobResult';
  private ended = false;
  /** The JobWatcher subscription that drives renders while the job runs; without it the panel polls. */
  private following: vscode.Disposable | undefined;

  constructor(panel: vscode.WebviewPanel, resource: PanelResource, extensionUri: vscode.Uri, log: Logger, private readonly source: PanelDataSource) {
    super(panel, resource, extensionUri, log);
    this.follow();
  }

  private follow(): void {
    this.following?.dispose();
    this.following = this.source.followJob?.(this.resource.session, this.resource.id ?? '', () => this.scheduleRender(), () => {
      this.following = undefined;
      this.restartPolling();
    });
  }

  /** Whether the core's JobWatcher (not a timer of this panel) drives the updates. */
  get followsJob(): boolean {
    return !!this.following;
  }

  protected async load(): Promise<PanelData | undefined> {
    const data = await this.source.jobResult(this.resource.session, this.resource.id ?? '');
    if (!data) return undefined;
    if (!this.ended && TERMINAL_JOB_STATES.includes(data.state)) {
      this.ended = true;
      this.following?.dispose();
      this.following = undefined;
      this.restartPolling(); // an ended job does not change: stop polling it
    }
    return { kind: 'jobResult', data };
  }

  protected pollMs(): number {
    return this.ended || this.following ? 0 : Math.min(this.source.pollingIntervalMs(), 2000);
  }

  override stop(): void {
    this.following?.dispose();
    this.following = undefined;
    super.stop();
  }

  override dispose(): void {
    this.following?.dispose();
    this.following = undefined;
    super.dispose();
  }

  protected async act(request: WebviewAction): Promise<void> {
    const { session, id } = this.resource;
    switch (request.action) {
      case 'refresh': this.ended = false; if (!this.following) this.follow(); this.restartPolling(); await this.render(); return;
      case 'openOutputFile': {
        // The webview names an index into the list the extension built; it can never pass a path.
        const uri = this.source.outputFile(session, id ?? '', request.index);
        if (!uri) throw new Error('No such output file.');
        await vscode.commands.executeCommand('vscode.open', uri, { preview: false });
        return;
      }
      case 'showTaskManager':
        if (!this.source.hasTaskManager(session, request.taskManagerId)) throw new Error('Unknown TaskManager.');
        await vscode.commands.executeCommand('flinkMesos.taskManager.show', { session, taskManagerId: request.taskManagerId });
        return;
      case 'openFlinkUi': await vscode.commands.executeCommand('flinkMesos.session.openFlinkUi', { session }); return;
      case 'triggerSavepoint': await vscode.commands.executeCommand('flinkMesos.job.savepoint', { session, jobId: id }); await this.render(); return;
      case 'upgradeJob': await vscode.commands.executeCommand('flinkMesos.job.upgrade', { session, jobId: id }); return;
      case 'showTaskManagerLog':
        if (!this.source.hasTaskManager(session, request.taskManagerId)) throw new Error('Unknown TaskManager.');
        await vscode.commands.executeCommand('flinkMesos.job.showTaskManagerLogAt', { session, taskManagerId: request.taskManagerId, at: request.at });
        return;
      default:
        throw new Error(`The Job Result panel does not offer "${request.action}".`);
    }
  }
}
