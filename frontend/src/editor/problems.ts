/**
 * Validation problems indexed for the level the canvas shows. A problem inside a body comes with
 * a `path` (container ids down to the node at fault) and a field such as `config.body.config.x`;
 * at the workflow level it marks the outermost container, inside a body the node itself.
 */
import type { Problem } from '../api/client';

export interface ProblemIndex {
  nodes: Record<string, string[]>;
  edges: Record<string, string[]>;
  /** Per node, per config field (`prompt`, `arguments.x`): shown under the field. */
  fields: Record<string, Record<string, string[]>>;
  general: string[];
}

export const noProblems = (): ProblemIndex => ({ nodes: {}, edges: {}, fields: {}, general: [] });

function pushTo(map: Record<string, string[]>, key: string, msg: string) {
  (map[key] ??= []).push(msg);
}

const fullPath = (p: Problem): string[] => (p.path?.length ? p.path : p.node ? [p.node] : []);
const startsWith = (a: string[], b: string[]) => b.every((x, i) => a[i] === x);

/** The field relative to the node at depth `depth` (`config.body.config.prompt` → `prompt` at 1). */
export function relativeField(field: string | null | undefined, depth: number): string | null {
  let f = field ?? '';
  for (let i = 0; i < depth; i++) {
    const m = /^config\.[\w]+\.(.*)$/.exec(f);
    if (!m) return null;
    f = m[1];
  }
  return f.startsWith('config.') ? f.slice(7) : null;
}

/** Problems at the level reached through the containers `at` ([] for the workflow itself). */
export function indexProblems(problems: Problem[], at: string[] = []): ProblemIndex {
  const idx = noProblems();
  const depth = at.length;
  for (const p of problems) {
    const path = fullPath(p);
    if (!startsWith(path, at)) continue;
    if (depth === 0 && p.edge) pushTo(idx.edges, p.edge, p.message);
    if (path.length <= depth) {
      if (!p.edge || depth > 0) idx.general.push(p.message);
      continue;
    }
    const node = path[depth];
    pushTo(idx.nodes, node, p.message);
    const field = path.length === depth + 1 ? relativeField(p.field, depth) : null;
    if (field) pushTo((idx.fields[node] ??= {}), field, p.message);
  }
  return idx;
}

/** The problems without those about node `id` of the level at `at` (it was edited: they are stale). */
export function withoutNode(problems: Problem[], at: string[], id: string): Problem[] {
  const stale = [...at, id];
  return problems.filter((p) => !startsWith(fullPath(p), stale));
}
