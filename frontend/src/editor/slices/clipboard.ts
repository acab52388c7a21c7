/** Clipboard slice: paste a copied document (fresh ids, offset, selected) and duplicate the selection. */
import { remapForPaste, toFlowEdge, toFlowNode } from '../graph';
import { idsOf, type EditorActions, type SliceTools } from './types';

export type ClipboardSlice = Pick<EditorActions, 'paste' | 'duplicateSelection'>;

export function clipboardSlice({ get }: SliceTools): ClipboardSlice {
  return {
    paste: (doc, offset = { x: 40, y: 40 }) => {
      const fresh = remapForPaste(doc, idsOf(get().nodes), idsOf(get().edges), offset);
      get().edit('paste', (s) => ({
        nodes: [
          ...s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)),
          ...fresh.nodes.map((n) => ({ ...toFlowNode(n), selected: true })),
        ],
        edges: [...s.edges.map((e) => (e.selected ? { ...e, selected: false } : e)), ...fresh.edges.map(toFlowEdge)],
      }));
    },

    duplicateSelection: () => {
      const sel = get().selected();
      if (sel.nodes.length) get().paste(sel, { x: 40, y: 40 });
    },
  };
}
