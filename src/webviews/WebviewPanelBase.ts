import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { Logger } from '../core/log';
import { IntervalPoller } from '../polling/IntervalPoller';
import { HostMessage, PanelData, PanelResource, WebviewAction, parseWebviewMessage } from './protocol';

/** A fresh, unguessable script nonce for each page (the CSP allows only scripts carrying it). */
export function makeNonce(): string {
  return randomBytes(18).toString('base64');
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    enableCommandUris: false,
    retainContextWhenHidden: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

/**
 * A panel over one resource: strict CSP with a script nonce, one bundled script, a validated message protocol.
 * The HTML holds no cluster data: everything arrives by postMessage and is shown with textContent.
 */
export abstract class WebviewPanelBase implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly disposed = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposed.event;
  private renderTimer: NodeJS.Timeout | undefined;
  private readonly poller = new IntervalPoller(() => void this.render());
  private isDisposed = false;
  /** The last data posted, for tests and to skip sending identical updates. */
  lastPosted: PanelData | undefined;
  private lastPostedJson = '';
  /** Messages refused by validation, counted for tests. */
  refusedMessages = 0;

  protected constructor(
    readonly panel: vscode.WebviewPanel,
    readonly resource: PanelResource,
    protected readonly extensionUri: vscode.Uri,
    protected readonly log: Logger,
  ) {
    panel.webview.options = webviewOptions(extensionUri);
    panel.webview.html = this.html(panel.webview);
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage(raw => void this.receive(raw)),
      panel.onDidChangeViewState(() => this.updatePolling()),
    );
  }

  /** Starts polling once the subclass is fully built (its fields are set after this constructor). */
  start(): void {
    this.updatePolling();
  }

  /** Reads fresh data; undefined when the resource is gone. */
  protected abstract load(): Promise<PanelData | undefined>;
  /** Acts on an already validated request; throws to report an error to the webview. */
  protected abstract act(request: WebviewAction): Promise<void>;
  /** How often to poll while visible; 0 for never (the panel then follows model changes only). */
  protected abstract pollMs(): number;

  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  /** Re-renders soon; many model changes in a row make one render. */
  scheduleRender(delayMs = 100): void {
    if (this.isDisposed || this.renderTimer) return;
    this.renderTimer = setTimeout(() => { this.renderTimer = undefined; void this.render(); }, delayMs);
  }

  async render(): Promise<void> {
    if (this.isDisposed) return;
    let data: PanelData | undefined;
    try {
      data = await this.load();
    } catch (err) {
      this.log.warn(`Panel ${this.resource.kind} ${this.resource.id ?? this.resource.session}: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (this.isDisposed) return;
    if (!data) {
      void this.post({ type: 'gone', resource: this.resource, reason: 'This resource is no longer known to the extension.' });
      return;
    }
    const json = JSON.stringify(data);
    if (json === this.lastPostedJson) return;
    this.lastPostedJson = json;
    this.lastPosted = data;
    void this.post({ type: 'update', resource: this.resource, payload: data });
  }

  protected post(message: HostMessage): Thenable<boolean> {
    return this.isDisposed ? Promise.resolve(false) : this.panel.webview.postMessage(message);
  }

  /** Entry point for every message from the webview (public so the suite can feed it hostile input). */
  async receive(raw: unknown): Promise<void> {
    const message = parseWebviewMessage(raw);
    if (!message) {
      this.refusedMessages++;
      this.log.warn(`Refused a malformed message from the ${this.resource.kind} webview.`);
      return;
    }
    if (message.type === 'ready') {
      this.lastPostedJson = '';
      await this.render();
      return;
    }
    try {
      await this.act(message.request);
      await this.post({ type: 'reply', requestId: message.requestId, ok: true });
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err);
      this.log.warn(`Panel request ${message.request.action} refused: ${text}`);
      await this.post({ type: 'reply', requestId: message.requestId, ok: false, error: text });
    }
  }

  private updatePolling(): void {
    const ms = this.pollMs();
    if (this.poller.update(this.wantsPolling(ms), ms)) void this.render();
  }

  /** Only a visible, open panel polls. */
  private wantsPolling(intervalMs: number): boolean {
    return !this.isDisposed && this.panel.visible && intervalMs > 0;
  }

  /** Called when the polling interval setting changes. */
  restartPolling(): void {
    const ms = this.pollMs();
    if (this.poller.restart(this.wantsPolling(ms), ms)) void this.render();
  }

  private html(webview: vscode.Webview): string {
    const nonce = makeNonce();
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'dist', 'webview.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'webview.css'));
    const csp = [
      "default-src 'none'",
      `img-src ${webview.cspSource} data:`,
      `style-src ${webview.cspSource}`,
      `font-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
    ].join('; ');
    // Only fixed text goes in here: the panel kind is one of three known words.
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link href="${String(style)}" rel="stylesheet">
<title>Flink on Mesos</title>
</head>
<body data-panel="${this.resource.kind}">
<main id="app" aria-live="polite"><p class="muted">Loading…</p></main>
<script nonce="${nonce}" src="${String(script)}"></script>
</body>
</html>`;
  }

  /** Stops timers without closing the panel: on deactivation the editor keeps it for the serializer to restore. */
  stop(): void {
    if (this.renderTimer) clearTimeout(this.renderTimer);
    this.poller.stop();
    this.renderTimer = undefined;
    this.isDisposed = true;
    this.disposables.forEach(d => d.dispose());
  }

  dispose(): void {
    if (this.isDisposed) { this.panel.dispose(); return; }
    this.isDisposed = true;
    if (this.renderTimer) clearTimeout(this.renderTimer);
    this.poller.stop();
    this.disposed.fire();
    this.disposed.dispose();
    this.disposables.forEach(d => d.dispose());
    this.panel.dispose();
  }
}
