import { describe, expect, it } from 'vitest';
import type { Graph } from '../api/types';
import { blankNode, type NodeRun, type NodeStatus } from './dispatch';
import { ganttBars } from './Gantt';
import { ganttRows, iterationsOf, parseRunId, runLabel, runLabels } from './iterations';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const ran = (status: NodeStatus, from: number, to: number | null): NodeRun => ({
  ...blankNode(),
  status,
  started_at: at(from),
  finished_at: to === null ? null : at(to),
});

const graph: Graph = {
  schema_version: 1,
  nodes: [
    { id: 'in', kind: 'input', label: 'Topics', position: { x: 0, y: 0 }, config: {} },
    {
      id: 'm',
      kind: 'map',
      label: 'Each topic',
      position: { x: 0, y: 0 },
      config: {
        body: {
          schema_version: 1,
          nodes: [{ id: 'w', kind: 'agent', label: 'Writer', position: { x: 0, y: 0 }, config: {} }],
          edges: [],
        },
      },
    },
  ],
  edges: [],
};

describe('iterations of a body', () => {
  const nodes = {
    in: ran('succeeded', 0, 1),
    m: ran('running', 1, null),
    'm[0].w': ran('succeeded', 1, 3),
    'm[2].w': ran('running', 2, null),
    'm[1].w': ran('failed', 1, 2),
    'm[1].x': ran('succeeded', 1, 2),
    'mm[0].w': ran('succeeded', 1, 2),
  };

  it('lists each iteration once, in order, with its worst status and its span', () => {
    const its = iterationsOf(nodes, 'm');
    expect(its.map((i) => [i.index, i.status, i.nodes])).toEqual([
      [0, 'succeeded', 1],
      [1, 'failed', 2],
      [2, 'running', 1],
    ]);
    expect(its[0].end! - its[0].start!).toBe(2000);
    expect(its[2].end).toBeNull();
  });

  it('parses nested prefixes and names body nodes by their labels', () => {
    expect(parseRunId('l1[2].m3[0].n1')).toEqual({
      containers: [
        ['l1', 2],
        ['m3', 0],
      ],
      node: 'n1',
    });
    expect(runLabel(graph, 'm[2].w')).toBe('Each topic #2 › Writer');
    expect(runLabel(graph, 'gone[1].x')).toBe('gone #1 › x');
    expect(runLabels(graph, ['m[0].w']).in).toBe('Topics');
  });

  it('groups the timeline by iteration under its container', () => {
    const labels = runLabels(graph, Object.keys(nodes));
    const { bars } = ganttBars(nodes, labels, new Date(at(5)).getTime());
    const rows = ganttRows(bars, labels).map((r) => (r.type === 'group' ? `# ${r.label}` : r.bar.id));
    expect(rows).toEqual([
      'in',
      'm',
      '# Each topic · #0',
      'm[0].w',
      '# Each topic · #1',
      'm[1].w',
      'm[1].x',
      '# Each topic · #2',
      'm[2].w',
    ]);
  });
});
