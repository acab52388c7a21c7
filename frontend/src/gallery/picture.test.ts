import { describe, expect, it } from 'vitest';
import { BOX_H, BOX_W, picture } from './picture';

const node = (id: string, x: number, y: number) => ({ id, kind: 'llm', label: id, position: { x, y }, config: {} });

describe('picture', () => {
  it('frames every node with padding and draws one curve per edge between known nodes', () => {
    const pic = picture({
      schema_version: 1,
      nodes: [node('a', 0, 0), node('b', 260, 130)],
      edges: [
        { id: 'e', source: 'a', source_port: 'out', target: 'b', target_port: 'in' },
        { id: 'lost', source: 'a', source_port: 'out', target: 'gone', target_port: 'in' },
      ],
    });
    expect(pic.viewBox).toBe(`-24 -24 ${260 + BOX_W + 48} ${130 + BOX_H + 48}`);
    expect(pic.curves).toHaveLength(1);
    expect(pic.curves[0]).toMatch(/^M180,28 C/);
  });

  it('draws an empty graph as an empty frame', () => {
    expect(picture({ schema_version: 1, nodes: [], edges: [] }).boxes).toEqual([]);
  });
});
