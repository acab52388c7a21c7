/**
 * Runs of bodies: nodes inside a loop's or map's body report under prefixed ids,
 * `<container>[<iteration>].<inner id>` (nested: `l1[2].m3[0].n1`; workflows/engine/context.py).
 * Pure helpers to list a container's iterations, name prefixed nodes, and group the timeline.
 */
import type { Graph, GraphNode } from '../api/types';
import type { Bar } from './Gantt';
import type { NodeRun, NodeStatus } from './dispatch';

export interface Iteration {
  index: number;
  status: NodeStatus;
  /** Nodes of the body that ran in this iteration. */
  nodes: number;
  start: number | null;
  end: number | null;
}

const RANK: NodeStatus[] = ['failed', 'paused', 'running', 'queued', 'succeeded', 'skipped'];

/** The worst status of a set: one failed node fails the iteration, one paused pauses it. */
function overall(statuses: NodeStatus[]): NodeStatus {
  for (const s of RANK) if (statuses.includes(s)) return s;
  return 'queued';
}

/** The iterations of the container whose full id is `container` (e.g. `n4` or `n4[1].n2`). */
export function iterationsOf(nodes: Record<string, NodeRun>, container: string): Iteration[] {
  const head = `${container}[`;
  const by = new Map<number, { ids: NodeRun[] }>();
  for (const [id, n] of Object.entries(nodes)) {
    if (!id.startsWith(head)) continue;
    const close = id.indexOf('].', head.length);
    if (close < 0) continue;
    const index = Number(id.slice(head.length, close));
    if (!Number.isInteger(index)) continue;
    if (!by.has(index)) by.set(index, { ids: [] });
    by.get(index)!.ids.push(n);
  }
  return [...by.entries()]
    .sort(([a], [b]) => a - b)
    .map(([index, { ids }]) => {
      const starts = ids.filter((n) => n.started_at).map((n) => new Date(n.started_at!).getTime());
      const ends = ids.filter((n) => n.finished_at).map((n) => new Date(n.finished_at!).getTime());
      const done = ids.every((n) => n.finished_at || n.status === 'skipped');
      return {
        index,
        status: overall(ids.map((n) => n.status)),
        nodes: ids.length,
        start: starts.length ? Math.min(...starts) : null,
        end: done && ends.length ? Math.max(...ends) : null,
      };
    });
}

/** Split a full id into its containers and the inner id: `l1[2].n3` → [[['l1', 2]], 'n3']. */
export function parseRunId(id: string): { containers: [string, number][]; node: string } {
  const containers: [string, number][] = [];
  const re = /^([^.[\]]+)\[(\d+)\]\./;
  let rest = id;
  for (let m = re.exec(rest); m; m = re.exec(rest)) {
    containers.push([m[1], Number(m[2])]);
    rest = rest.slice(m[0].length);
  }
  return { containers, node: rest };
}

function bodyNodes(node: GraphNode | undefined): GraphNode[] {
  const body = node?.config?.body as Graph | undefined;
  return Array.isArray(body?.nodes) ? body.nodes : [];
}

/** A readable name for a (possibly prefixed) node id: `Refine #2 › Critic`. */
export function runLabel(graph: Graph, id: string): string {
  const { containers, node } = parseRunId(id);
  let level = graph.nodes;
  const parts: string[] = [];
  for (const [cid, index] of containers) {
    const c = level.find((n) => n.id === cid);
    parts.push(`${c?.label || cid} #${index}`);
    level = bodyNodes(c);
  }
  const n = level.find((x) => x.id === node);
  parts.push(n?.label || node);
  return parts.join(' › ');
}

/** The kind of a (possibly prefixed) node id, read from the graph and its bodies. */
export function runNodeKind(graph: Graph, id: string): string | undefined {
  const { containers, node } = parseRunId(id);
  let level = graph.nodes;
  for (const [cid] of containers) level = bodyNodes(level.find((n) => n.id === cid));
  return level.find((n) => n.id === node)?.kind;
}

/** Labels for every node id of the graph and of the run (prefixed body nodes included). */
export function runLabels(graph: Graph, runIds: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of graph.nodes) out[n.id] = n.label || n.id;
  for (const id of runIds) if (!(id in out)) out[id] = runLabel(graph, id);
  return out;
}

export type GanttRow =
  | { type: 'bar'; bar: Bar; depth: number }
  | { type: 'group'; key: string; label: string; depth: number; status: NodeStatus };

/** The id of the iteration a body node ran in (`l1[2].n3` → `l1[2]`), or null at the top. */
function groupOf(id: string): string | null {
  const cut = id.lastIndexOf('].');
  return cut < 0 ? null : id.slice(0, cut + 1);
}

/**
 * Timeline rows: top-level bars in start order; after a container's bar, one group per
 * iteration (a header, then that iteration's bars, nested groups likewise).
 */
export function ganttRows(bars: Bar[], labels: Record<string, string>): GanttRow[] {
  const children = new Map<string | null, Bar[]>();
  for (const b of bars) {
    const g = groupOf(b.id);
    children.set(g, [...(children.get(g) ?? []), b]);
  }
  const groupsOf = (container: string) =>
    [...children.keys()]
      .filter((k): k is string => !!k && k.startsWith(`${container}[`) && !k.slice(container.length).includes('].'))
      .sort((a, b) => Number(/\[(\d+)\]$/.exec(a)?.[1]) - Number(/\[(\d+)\]$/.exec(b)?.[1]));
  const rows: GanttRow[] = [];
  const walk = (group: string | null, depth: number) => {
    for (const bar of children.get(group) ?? []) {
      rows.push({ type: 'bar', bar, depth });
      for (const g of groupsOf(bar.id)) {
        const inner = children.get(g) ?? [];
        const index = /\[(\d+)\]$/.exec(g)?.[1];
        const label = `${labels[bar.id] ?? bar.id} · #${index}`;
        rows.push({ type: 'group', key: g, label, depth: depth + 1, status: overall(inner.map((b) => b.status)) });
        walk(g, depth + 1);
      }
    }
  };
  walk(null, 0);
  return rows;
}
