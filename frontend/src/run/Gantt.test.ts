import { describe, expect, it } from 'vitest';
import { blankNode } from './dispatch';
import { ganttBars } from './Gantt';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

describe('gantt bars', () => {
  it('places parallel branches on overlapping intervals and running bars end at now', () => {
    const nodes = {
      a: { ...blankNode(), status: 'succeeded' as const, started_at: at(0), finished_at: at(2) },
      b: { ...blankNode(), status: 'succeeded' as const, started_at: at(2), finished_at: at(6) },
      c: { ...blankNode(), status: 'running' as const, started_at: at(3), finished_at: null },
      d: blankNode(),
    };
    const now = new Date(at(8)).getTime();
    const { bars, t0, span } = ganttBars(nodes, { b: 'Branch B' }, now);
    expect(bars.map((x) => x.id)).toEqual(['a', 'b', 'c']);
    expect(bars[1].label).toBe('Branch B');
    expect(bars[2].end).toBe(now);
    expect(span).toBe(8000);
    expect(t0).toBe(new Date(at(0)).getTime());
    expect(bars[1].start < bars[2].end && bars[2].start < bars[1].end).toBe(true);
  });
});
