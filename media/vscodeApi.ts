import type { HostMessage, PanelResource, WebviewAction, WebviewMessage } from '../src/webviews/protocol';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: PanelResource): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();
let nextRequestId = 1;
const pending = new Map<number, (reply: { ok: boolean; error?: string }) => void>();

export function ready(): void {
  api.postMessage({ type: 'ready' });
}

export function rememberResource(resource: PanelResource): void {
  api.setState(resource);
}

/** Asks the extension to act; resolves with its reply (errors are shown by the caller). */
export function request(action: WebviewAction): Promise<{ ok: boolean; error?: string }> {
  const requestId = nextRequestId++;
  return new Promise(resolve => {
    pending.set(requestId, resolve);
    api.postMessage({ type: 'request', requestId, request: action });
  });
}

export function onHostMessage(handler: (m: HostMessage) => void): void {
  window.addEventListener('message', (e: MessageEvent<HostMessage>) => {
    const m = e.data;
    if (!m || typeof m !== 'object') return;
    if (m.type === 'reply') {
      const done = pending.get(m.requestId);
      pending.delete(m.requestId);
      done?.({ ok: m.ok, error: m.error });
      return;
    }
    handler(m);
  });
}
