import { describe, expect, it } from 'vitest';
import { freeSpot, NEW_NODE, type Box } from './placement';

const overlaps = (a: Box, b: Box) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe('freeSpot', () => {
  it('keeps the wanted spot on an empty canvas', () => {
    expect(freeSpot({ x: 100, y: 50 }, [])).toEqual({ x: 100, y: 50 });
  });

  it('moves a new node off every node already there, staying close', () => {
    const taken: Box[] = [];
    for (let i = 0; i < 6; i++) {
      const spot = freeSpot({ x: 300, y: 200 }, taken);
      const box = { ...spot, ...NEW_NODE };
      for (const t of taken) expect(overlaps(box, t)).toBe(false);
      expect(Math.hypot(spot.x - 300, spot.y - 200)).toBeLessThan(600);
      taken.push(box);
    }
  });
});
