/** Selection slice: what is selected, selecting everything, deleting the selection. */
import { toGraphEdge, toGraphNode } from '../graph';
import type { EditorActions, SliceTools } from './types';

export type SelectionSlice = Pick<EditorActions, 'deleteSelection' | 'selectAll' | 'selected'>;

export function selectionSlice({ set, get }: SliceTools): SelectionSlice {
  return {
    deleteSelection: () =>
      get().edit('deleteSelection', (s) => {
        const gone = new Set(s.nodes.filter((n) => n.selected).map((n) => n.id));
        const edges = s.edges.filter((e) => !e.selected && !gone.has(e.source) && !gone.has(e.target));
        if (!gone.size && edges.length === s.edges.length) return s;
        return { nodes: s.nodes.filter((n) => !gone.has(n.id)), edges };
      }),

    selectAll: () =>
      set((s) => ({
        nodes: s.nodes.map((n) => (n.selected ? n : { ...n, selected: true })),
        edges: s.edges.map((e) => (e.selected ? e : { ...e, selected: true })),
      })),

    selected: () => {
      const s = get();
      const ids = new Set(s.nodes.filter((n) => n.selected).map((n) => n.id));
      return {
        nodes: s.nodes.filter((n) => ids.has(n.id)).map(toGraphNode),
        edges: s.edges.filter((e) => ids.has(e.source) && ids.has(e.target)).map(toGraphEdge),
      };
    },
  };
}
