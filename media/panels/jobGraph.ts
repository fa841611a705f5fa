// The job graph as an SVG picture: one box per vertex (name, parallelism, status, live rates, busy and
// back-pressured time, low watermark), edges labelled with their ship strategy, laid out left to right.
import type { GraphVertexData, JobGraphData } from '../../src/webviews/protocol';
import { h, svg } from '../dom';
import { BOX_HEIGHT, BOX_WIDTH, layoutGraph } from '../graphLayout';

function text(x: number, y: number, value: string, cls: string): SVGElement {
  const t = svg('text', { x, y, class: cls });
  t.textContent = value;
  return t;
}

export function formatRate(n: number | undefined): string {
  if (n === undefined) return '–';
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M/s`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k/s`;
  return `${n < 10 ? n.toFixed(1) : Math.round(n)}/s`;
}

function percent(msPerSecond: number | undefined): string {
  return msPerSecond === undefined ? '–' : `${Math.round(msPerSecond / 10)}%`;
}

/** Flink's own thresholds: back pressure above 10% is low, above 50% high. */
export function pressureLevel(v: GraphVertexData): 'ok' | 'low' | 'high' | 'unknown' {
  if (v.backPressuredMsPerSecond === undefined) return 'unknown';
  if (v.backPressuredMsPerSecond > 500) return 'high';
  if (v.backPressuredMsPerSecond > 100) return 'low';
  return 'ok';
}

function shorten(name: string, max: number): string {
  return name.length > max ? `${name.slice(0, max - 1)}…` : name;
}

function vertexBox(v: GraphVertexData, x: number, y: number): SVGElement {
  const g = svg('g', { class: `vertex pressure-${pressureLevel(v)} status-${v.status.toLowerCase()}`, transform: `translate(${x},${y})`, 'data-testid': 'graph-vertex', 'data-vertex-id': v.id });
  const title = svg('title', {});
  title.textContent = `${v.name}\nparallelism ${v.parallelism} · ${v.status}`;
  g.appendChild(title);
  g.appendChild(svg('rect', { width: BOX_WIDTH, height: BOX_HEIGHT, rx: 4, class: 'vertex-box' }));
  // Busy time as a bar along the bottom edge: the box's load at a glance.
  const busy = Math.min(1, Math.max(0, (v.busyMsPerSecond ?? 0) / 1000));
  g.appendChild(svg('rect', { x: 0, y: BOX_HEIGHT - 4, width: BOX_WIDTH * busy, height: 4, class: 'vertex-busy' }));
  const parts = v.name.split(/ -> |<br\/>/);
  g.appendChild(text(8, 17, shorten(parts[0], 32), 'vertex-name'));
  g.appendChild(text(8, 32, parts.length > 1 ? shorten(`→ ${parts.slice(1).join(' → ')}`, 36) : '', 'vertex-chain'));
  g.appendChild(text(8, 48, `p=${v.parallelism} · ${v.status}`, 'vertex-figure'));
  const rates = text(8, 63, `in ${formatRate(v.recordsInPerSecond)} · out ${formatRate(v.recordsOutPerSecond)}`, 'vertex-figure');
  rates.setAttribute('data-testid', 'vertex-rates');
  g.appendChild(rates);
  g.appendChild(text(8, 78, `busy ${percent(v.busyMsPerSecond)} · backpressured ${percent(v.backPressuredMsPerSecond)}`, 'vertex-figure'));
  g.appendChild(text(8, 90, v.lowWatermark !== undefined ? `low watermark ${new Date(v.lowWatermark).toLocaleTimeString()}` : 'no watermark', 'vertex-figure muted-svg'));
  return g;
}

export function renderJobGraph(graph: JobGraphData): Node {
  const layout = layoutGraph({ ids: graph.vertices.map(v => v.id), edges: graph.edges });
  const picture = svg('svg', {
    class: 'job-graph', width: layout.width, height: layout.height, viewBox: `0 0 ${layout.width} ${layout.height}`,
    role: 'img', 'aria-label': `Job graph with ${graph.vertices.length} vertices`, 'data-testid': 'job-graph',
  });
  const defs = svg('defs', {}, svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
    svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'edge-head' })));
  picture.appendChild(defs);
  for (const e of graph.edges) {
    const a = layout.boxes.get(e.from);
    const b = layout.boxes.get(e.to);
    if (!a || !b) continue;
    const x1 = a.x + BOX_WIDTH;
    const y1 = a.y + BOX_HEIGHT / 2;
    const x2 = b.x;
    const y2 = b.y + BOX_HEIGHT / 2;
    const mid = (x1 + x2) / 2;
    picture.appendChild(svg('path', { d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`, class: 'edge', 'marker-end': 'url(#arrow)', 'data-testid': 'graph-edge' }));
    const label = text(mid, (y1 + y2) / 2 - 4, e.shipStrategy, 'edge-label');
    label.setAttribute('text-anchor', 'middle');
    picture.appendChild(label);
  }
  for (const v of graph.vertices) {
    const box = layout.boxes.get(v.id);
    if (box) picture.appendChild(vertexBox(v, box.x, box.y));
  }
  return h('div', { class: 'graph-scroll' }, picture);
}
