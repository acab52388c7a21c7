import { useMemo, useState } from 'react';
import type { NodeKind } from '../api/types';

export const DND_TYPE = 'application/axweb-kind';
const ORDER = ['AI', 'Flow', 'Data', 'Human', 'Memory', 'Annotation'];

export function Palette({ kinds, onAdd }: { kinds: NodeKind[]; onAdd: (kind: string) => void }) {
  const [q, setQ] = useState('');
  const groups = useMemo(() => {
    const needle = q.trim().toLowerCase();
    const hit = kinds.filter(
      (k) => !needle || `${k.title} ${k.kind} ${k.description} ${k.category}`.toLowerCase().includes(needle),
    );
    const by = new Map<string, NodeKind[]>();
    for (const k of hit) by.set(k.category, [...(by.get(k.category) ?? []), k]);
    return [...by.entries()].sort(([a], [b]) => rank(a) - rank(b));
  }, [kinds, q]);
  return (
    <aside className="palette" data-testid="palette" aria-label="Node palette">
      <input
        aria-label="Search nodes"
        placeholder="Search nodes…"
        value={q}
        onChange={(e) => setQ(e.target.value)}
        data-testid="palette-search"
      />
      {groups.map(([cat, list]) => (
        <div key={cat}>
          <h3>{cat}</h3>
          {list.map((k) => (
            <div
              key={k.kind}
              className="palette-item"
              draggable
              role="button"
              tabIndex={0}
              aria-label={`Add ${k.title} node`}
              title={`${k.description}\n(drag onto the canvas, double-click, or press Enter)`}
              data-testid={`palette-item-${k.kind}`}
              onDragStart={(e) => {
                e.dataTransfer.setData(DND_TYPE, k.kind);
                e.dataTransfer.effectAllowed = 'move';
              }}
              onDoubleClick={() => onAdd(k.kind)}
              onKeyDown={(e) => {
                if (e.key !== 'Enter' && e.key !== ' ') return;
                e.preventDefault();
                onAdd(k.kind);
              }}
            >
              <span className="swatch" style={{ background: k.color }} />
              <span className="t">{k.title}</span>
            </div>
          ))}
        </div>
      ))}
      {groups.length === 0 && (
        <div className="hint" style={{ marginTop: 10 }}>
          No node matches “{q}”.
        </div>
      )}
    </aside>
  );
}

function rank(cat: string): number {
  const i = ORDER.indexOf(cat);
  return i < 0 ? 99 : i;
}
