/** Where a new node goes: the wanted spot, or the nearest free one (never on top of a node). */

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const NEW_NODE = { width: 210, height: 150 };
const GAP = 24;

function hits(a: Box, b: Box): boolean {
  return (
    a.x < b.x + b.width + GAP && b.x < a.x + a.width + GAP && a.y < b.y + b.height + GAP && b.y < a.y + a.height + GAP
  );
}

/** Candidate offsets in rings around the wanted spot, nearest first (below, right, above, left). */
function* around(stepX: number, stepY: number, rings: number): Generator<[number, number]> {
  yield [0, 0];
  for (let r = 1; r <= rings; r++) {
    const ring: [number, number][] = [];
    for (let i = -r; i <= r; i++)
      for (let j = -r; j <= r; j++) if (Math.max(Math.abs(i), Math.abs(j)) === r) ring.push([i * stepX, j * stepY]);
    ring.sort((a, b) => Math.hypot(a[0], a[1]) - Math.hypot(b[0], b[1]) || b[1] - a[1]);
    yield* ring;
  }
}

export function freeSpot(wanted: { x: number; y: number }, taken: Box[], size = NEW_NODE): { x: number; y: number } {
  const stepX = size.width + GAP;
  const stepY = Math.round(size.height / 2) + GAP;
  for (const [dx, dy] of around(stepX, stepY, 12)) {
    const box = { x: wanted.x + dx, y: wanted.y + dy, ...size };
    if (!taken.some((t) => hits(box, t))) return { x: box.x, y: box.y };
  }
  return wanted;
}

/** The boxes of the nodes on the canvas (their measured size once drawn). */
export function nodeBoxes(
  nodes: { position: { x: number; y: number }; measured?: { width?: number; height?: number } }[],
): Box[] {
  return nodes.map((n) => ({
    ...n.position,
    width: n.measured?.width ?? NEW_NODE.width,
    height: n.measured?.height ?? NEW_NODE.height,
  }));
}
