import type { SessionResourcesData } from '../../src/webviews/protocol';
import { maintenanceRows } from '../../src/webviews/maintenanceRows';
import { button, formatTime, h, linkButton, svg, table } from '../dom';
import { request } from '../vscodeApi';

export function renderSessionResources(d: SessionResourcesData): Node {
  const root = h('div', { class: 'panel' });
  root.appendChild(h('header', {},
    h('h1', {}, 'Session Resources: ', h('span', { 'data-testid': 'session-name' }, d.session)),
    h('p', { class: 'muted' }, `${d.phase}${d.phaseDetail ? ` — ${d.phaseDetail}` : ''} · master ${d.master}`),
    h('div', { class: 'actions' },
      button('Refresh', () => void request({ action: 'refresh' }), { secondary: true }),
      button('Open Mesos Web UI', () => void request({ action: 'openMesosUi' }), { secondary: true }))));

  const asked = d.asked.taskManagers === 'greedy' ? 'greedy' : String(d.asked.taskManagers);
  root.appendChild(h('section', {},
    h('h2', {}, 'Totals'),
    table(['', 'Used', 'Asked for'], [
      ['TaskManagers', String(d.used.taskManagers), asked],
      ['CPUs', d.used.cpus.toFixed(1), d.asked.cpus.toFixed(1)],
      ['Memory (MB)', String(Math.round(d.used.memMb)), String(Math.round(d.asked.memMb))],
    ], 'totals')));

  root.appendChild(h('section', {}, h('h2', {}, 'CPU and memory per agent'), usageChart(d)));

  const agents = h('section', { 'data-testid': 'agents' }, h('h2', {}, `Agents (${d.agents.length})`));
  for (const a of d.agents) {
    agents.appendChild(h('div', { class: 'agent', 'data-testid': 'agent' },
      h('h3', {}, h('span', { class: 'agent-host' }, a.hostname), h('span', { class: 'muted' }, ` ${a.agentId}`)),
      a.tasks.length === 0 ? h('p', { class: 'muted' }, 'No tasks of this session.') :
        table(['Task', 'Role', 'State', 'CPUs', 'Memory (MB)', 'Ports'], a.tasks.map(t => [
          t.role === 'TaskManager' ? linkButton(t.taskId, () => void request({ action: 'showTaskManager', taskManagerId: t.taskId })) : t.taskId,
          t.role, t.state, t.cpus.toFixed(1), String(Math.round(t.memMb)),
          [...t.ports.map(String), ...Object.entries(t.assignedPorts ?? {}).map(([key, port]) => `${key}=${port}`)].join(', '),
        ]))));
  }
  root.appendChild(agents);

  if (d.maintenance?.length) {
    root.appendChild(h('section', { 'data-testid': 'maintenance' },
      h('h2', {}, `Agents under maintenance (${d.maintenance.length})`),
      table(['Agent host', 'Window start', 'Window end', 'This session'], maintenanceRows(d.maintenance), 'maintenance-agents')));
  }

  const declined = declinedOffersSection(d);
  if (declined) root.appendChild(declined);
  return root;
}

/** While the session still waits for offers: the offers declined and why, newest first, under the diagnosis line. */
export function declinedOffersSection(d: SessionResourcesData): HTMLElement | undefined {
  if (d.phase === 'running' || d.declinedOffers.length === 0) return undefined;
  const newestFirst = [...d.declinedOffers].sort((a, b) => b.at - a.at);
  return h('section', { 'data-testid': 'declined' },
    h('h2', {}, 'Offers declined'),
    d.phaseDetail ? h('p', { class: 'muted', 'data-testid': 'declined-diagnosis' }, d.phaseDetail) : undefined,
    table(['Agent host', 'Reason', 'Time'], newestFirst.map(o => [o.agent, o.reason, formatTime(o.at)]), 'declined-offers'));
}

/** Horizontal bars: cpus and memory used by this session on each agent, against the agent's total. */
function usageChart(d: SessionResourcesData): Node {
  const rowH = 34;
  const width = 520;
  const labelW = 140;
  const barW = width - labelW - 120; // room for "16384/16384 MB" after the bar
  const height = Math.max(1, d.agents.length) * rowH + 10;
  const chart = svg('svg', { class: 'chart', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'CPU and memory per agent' });
  d.agents.forEach((a, i) => {
    const y = 5 + i * rowH;
    const cpus = a.tasks.reduce((s, t) => s + t.cpus, 0);
    const mem = a.tasks.reduce((s, t) => s + t.memMb, 0);
    const label = svg('text', { x: 0, y: y + 18, class: 'chart-label' });
    label.textContent = a.hostname;
    chart.appendChild(label);
    const bar = (frac: number, dy: number, cls: string, text: string): void => {
      chart.appendChild(svg('rect', { x: labelW, y: y + dy, width: barW, height: 10, class: 'bar-bg' }));
      chart.appendChild(svg('rect', { x: labelW, y: y + dy, width: Math.max(0, Math.min(1, frac)) * barW, height: 10, class: cls }));
      const t = svg('text', { x: labelW + barW + 6, y: y + dy + 9, class: 'chart-value' });
      t.textContent = text;
      chart.appendChild(t);
    };
    bar(a.cpusTotal ? cpus / a.cpusTotal : 0, 2, 'bar-cpu', `${cpus.toFixed(1)}${a.cpusTotal ? `/${a.cpusTotal}` : ''} cpu`);
    bar(a.memMbTotal ? mem / a.memMbTotal : 0, 16, 'bar-mem', `${Math.round(mem)}${a.memMbTotal ? `/${a.memMbTotal}` : ''} MB`);
  });
  return h('div', {}, chart, h('p', { class: 'legend' }, h('span', { class: 'swatch cpu' }), ' cpus  ', h('span', { class: 'swatch mem' }), ' memory'));
}
