// The job graph's layered layout: left to right, no overlapping boxes, readable (fixed box size) at 30 vertices.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BOX_HEIGHT, BOX_WIDTH, crossings, layoutGraph } from '../../media/graphLayout';

/** A graph like a large Flink job: 3 sources joined pairwise, fanned out and merged again; 30 vertices. */
function bigJob(): { ids: string[]; edges: { from: string; to: string }[] } {
  const ids = Array.from({ length: 30 }, (_x, i) => `v${i}`);
  const edges: { from: string; to: string }[] = [];
  for (let i = 0; i < 3; i++) edges.push({ from: `v${i}`, to: `v${3 + i}` });
  edges.push({ from: 'v3', to: 'v6' }, { from: 'v4', to: 'v6' }, { from: 'v5', to: 'v7' }, { from: 'v4', to: 'v7' });
  for (let i = 8; i < 20; i++) edges.push({ from: i % 2 ? 'v6' : 'v7', to: `v${i}` });
  for (let i = 20; i < 26; i++) edges.push({ from: `v${8 + (i - 20) * 2}`, to: `v${i}` }, { from: `v${9 + (i - 20) * 2}`, to: `v${i}` });
  for (let i = 26; i < 29; i++) edges.push({ from: `v${20 + (i - 26) * 2}`, to: `v${i}` }, { from: `v${21 + (i - 26) * 2}`, to: `v${i}` });
  for (let i = 26; i < 29; i++) edges.push({ from: `v${i}`, to: 'v29' });
  // Listed in a shuffled order, as a job's vertices need not come sorted.
  return { ids: [...ids].sort((a, b) => (a.length * 7 + a.charCodeAt(a.length - 1) * 13) % 17 - (b.length * 7 + b.charCodeAt(b.length - 1) * 13) % 17), edges };
}

describe('job graph layout', () => {
  test('every edge points right, boxes never overlap, and the picture keeps full-size boxes for 30 vertices', () => {
    const g = bigJob();
    const layout = layoutGraph(g);
    assert.equal(layout.boxes.size, 30);
    for (const e of g.edges) assert.ok(layout.boxes.get(e.to)!.x > layout.boxes.get(e.from)!.x, `${e.from} -> ${e.to} points right`);
    const boxes = [...layout.boxes.values()];
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i];
        const b = boxes[j];
        const apart = a.x + BOX_WIDTH <= b.x || b.x + BOX_WIDTH <= a.x || a.y + BOX_HEIGHT <= b.y || b.y + BOX_HEIGHT <= a.y;
        assert.ok(apart, `${a.id} and ${b.id} overlap`);
      }
    }
    for (const b of boxes) assert.ok(b.x >= 0 && b.y >= 0 && b.x + BOX_WIDTH <= layout.width && b.y + BOX_HEIGHT <= layout.height);
    assert.equal(new Set(boxes.map((b) => b.layer)).size, 7, 'seven layers: sources, pairs, joins, fan-out, two merges, the sink');
  });

  test('the barycenter sweeps remove the crossings of the input order', () => {
    const g = bigJob();
    const unswept = crossings(layoutGraph(g, 0), g.edges);
    const swept = crossings(layoutGraph(g), g.edges);
    assert.ok(unswept > 0, 'the shuffled order has crossings to remove');
    assert.ok(swept < unswept, `${swept} < ${unswept}`);
  });

  test('a chain is one row, and a cycle (Flink iteration) does not hang or lose a vertex', () => {
    const chain = layoutGraph({ ids: ['a', 'b', 'c'], edges: [{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }] });
    assert.deepEqual([...chain.boxes.values()].map((b) => [b.layer, b.y]), [[0, 8], [1, 8], [2, 8]]);
    const cycle = layoutGraph({ ids: ['a', 'b', 'c'], edges: [{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }, { from: 'c', to: 'b' }] });
    assert.equal(cycle.boxes.size, 3);
    assert.deepEqual(layoutGraph({ ids: [], edges: [] }), { boxes: new Map(), width: 0, height: 0 });
  });
});
