/**
 * Editor store (one per open workflow), composed of five slices: graph (nodes, edges, kinds,
 * problems), bodies (which nested body is shown), selection, history (every graph edit goes through `edit(name, fn, coalesce?)`, which
 * records the prior {nodes, edges} for undo and bumps `revision`; autosave watches it) and clipboard.
 */
import { createStore } from 'zustand/vanilla';
import type { Graph } from '../api/types';
import { clipboardSlice } from './slices/clipboard';
import { graphSlice } from './slices/graph';
import { historySlice } from './slices/history';
import { bodySlice } from './slices/bodies';
import { selectionSlice } from './slices/selection';
import type { EditorStore, SliceTools } from './slices/types';

export { indexProblems } from './problems';
export type { EditorActions, EditorState, EditorStore, ProblemIndex, Snap } from './slices/types';

export function createEditorStore(initial?: Graph) {
  return createStore<EditorStore>()((set, get) => {
    const tools: SliceTools = {
      set,
      get,
      snap: () => ({ nodes: get().nodes, edges: get().edges, frames: get().frames }),
    };
    return {
      ...graphSlice(tools, initial),
      ...selectionSlice(tools),
      ...historySlice(tools),
      ...clipboardSlice(tools),
      ...bodySlice(tools),
    };
  });
}

export type EditorStoreApi = ReturnType<typeof createEditorStore>;
