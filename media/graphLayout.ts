// A small layered (Sugiyama-style) layout, left to right, for Flink job graphs: longest-path layers, a few
// barycenter sweeps against crossings, fixed-size boxes. Pure: node tests run it without a DOM.

export interface LayoutInput { ids: readonly string[]; edges: readonly { from: string; to: string }[] }
export interface LayoutBox { id: string; layer: number; order: number; x: number; y: number }
export interface Layout { boxes: Map<string, LayoutBox>; width: number; height: number }

export const BOX_WIDTH = 230;
export const BOX_HEIGHT = 96;
const GAP_X = 70;
const GAP_Y = 24;
const MARGIN = 8;

/** Layers by the longest path from a source; edges that close a cycle (Flink iterations) are ignored. */
function layersOf(ids: readonly string[], edges: readonly { from: string; to: string }[]): Map<string, number> {
  const out = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of edges) if (out.has(e.from) && out.has(e.to) && e.from !== e.to) out.get(e.from)!.push(e.to);
  // Depth-first order; a back edge (to a node still on the stack) is dropped.
  const state = new Map<string, 1 | 2>();
  const order: string[] = [];
  const forward = new Map<string, string[]>(ids.map((id) => [id, []]));
  const visit = (start: string): void => {
    const stack: { id: string; next: number }[] = [{ id: start, next: 0 }];
    state.set(start, 1);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const succ = out.get(top.id)!;
      if (top.next < succ.length) {
        const s = succ[top.next++];
        if (state.get(s) === 1) continue; // back edge
        forward.get(top.id)!.push(s);
        if (!state.has(s)) { state.set(s, 1); stack.push({ id: s, next: 0 }); }
      } else {
        state.set(top.id, 2);
        order.push(top.id);
        stack.pop();
      }
    }
  };
  for (const id of ids) if (!state.has(id)) visit(id);
  const layer = new Map<string, number>(ids.map((id) => [id, 0]));
  for (const id of order.reverse()) for (const s of forward.get(id)!) layer.set(s, Math.max(layer.get(s)!, layer.get(id)! + 1));
  return layer;
}

export function layoutGraph(input: LayoutInput, sweeps = 4): Layout {
  const layer = layersOf(input.ids, input.edges);
  const layerCount = input.ids.length ? Math.max(...layer.values()) + 1 : 0;
  const rows: string[][] = Array.from({ length: layerCount }, () => []);
  for (const id of input.ids) rows[layer.get(id)!].push(id);
  const preds = new Map<string, string[]>(input.ids.map((id) => [id, []]));
  const succs = new Map<string, string[]>(input.ids.map((id) => [id, []]));
  for (const e of input.edges) {
    if (!layer.has(e.from) || !layer.has(e.to) || layer.get(e.from)! >= layer.get(e.to)!) continue;
    preds.get(e.to)!.push(e.from);
    succs.get(e.from)!.push(e.to);
  }
  const position = new Map<string, number>();
  const renumber = (row: string[]): void => row.forEach((id, i) => position.set(id, i));
  rows.forEach(renumber);
  const reorder = (row: string[], neighbours: Map<string, string[]>): void => {
    const key = new Map(row.map((id) => {
      const ns = neighbours.get(id)!;
      return [id, ns.length ? ns.reduce((a, n) => a + position.get(n)!, 0) / ns.length : position.get(id)!];
    }));
    row.sort((a, b) => key.get(a)! - key.get(b)! || position.get(a)! - position.get(b)!);
    renumber(row);
  };
  for (let s = 0; s < sweeps; s++) {
    for (let l = 1; l < rows.length; l++) reorder(rows[l], preds);
    for (let l = rows.length - 2; l >= 0; l--) reorder(rows[l], succs);
  }
  const tallest = Math.max(0, ...rows.map((r) => r.length));
  const height = tallest ? 2 * MARGIN + tallest * BOX_HEIGHT + (tallest - 1) * GAP_Y : 0;
  const width = layerCount ? 2 * MARGIN + layerCount * BOX_WIDTH + (layerCount - 1) * GAP_X : 0;
  const boxes = new Map<string, LayoutBox>();
  rows.forEach((row, l) => {
    const rowHeight = row.length * BOX_HEIGHT + (row.length - 1) * GAP_Y;
    const top = (height - rowHeight) / 2;
    row.forEach((id, i) => boxes.set(id, { id, layer: l, order: i, x: MARGIN + l * (BOX_WIDTH + GAP_X), y: top + i * (BOX_HEIGHT + GAP_Y) }));
  });
  return { boxes, width, height };
}

/** Pairs of edges between the same two layers that cross: what the sweeps minimise (for tests and the benchmark). */
export function crossings(layout: Layout, edges: readonly { from: string; to: string }[]): number {
  const placed = edges.map((e) => [layout.boxes.get(e.from), layout.boxes.get(e.to)] as const).filter(([a, b]) => a && b && b.layer === a.layer + 1) as [LayoutBox, LayoutBox][];
  let n = 0;
  for (let i = 0; i < placed.length; i++) {
    for (let j = i + 1; j < placed.length; j++) {
      const [a, b] = placed[i];
      const [c, d] = placed[j];
      if (a.layer !== c.layer) continue;
      if ((a.order - c.order) * (b.order - d.order) < 0) n++;
    }
  }
  return n;
}
