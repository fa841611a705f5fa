// The one webview bundle: each panel's page says which panel it is in <body data-panel>, and this dispatches.
import type { PanelData, PanelKind } from '../src/webviews/protocol';
import { h, replaceChildren } from './dom';
import { renderJobResult } from './panels/jobResult';
import { renderSessionResources } from './panels/sessionResources';
import { renderTaskManager } from './panels/taskManager';
import { onHostMessage, ready, rememberResource } from './vscodeApi';

const kind = document.body.dataset.panel as PanelKind | undefined;
const app = document.getElementById('app');

function render(payload: PanelData): Node {
  switch (payload.kind) {
    case 'sessionResources': return renderSessionResources(payload.data);
    case 'taskManager': return renderTaskManager(payload.data);
    case 'jobResult': return renderJobResult(payload.data);
  }
}

if (app && kind) {
  onHostMessage(m => {
    if (m.type === 'update' && m.payload.kind === kind) {
      rememberResource(m.resource);
      const scrollY = window.scrollY;
      replaceChildren(app, render(m.payload));
      window.scrollTo(0, scrollY);
    } else if (m.type === 'gone') {
      replaceChildren(app, h('p', { class: 'muted', 'data-testid': 'gone' }, m.reason));
    }
  });
  ready();
}
