/**
 * History slice: every graph edit goes through `edit(name, fn, coalesce?)`, which records the prior
 * {nodes, edges} for undo and bumps `revision` (autosave watches it).
 */
import { emptyHistory, record, redo, undo } from '../history';
import type { EditorActions, EditorState, SliceTools, Snap } from './types';

const COALESCE_MS = 1200;

export type HistorySlice = Pick<EditorState, 'history' | 'lastEdit'> &
  Pick<EditorActions, 'edit' | 'beginDrag' | 'undo' | 'redo'>;

export function historySlice({ set, get, snap }: SliceTools): HistorySlice {
  const restore = (r: { state: Snap; history: EditorState['history'] } | null) => {
    if (!r) return;
    const frames = r.state.frames ?? [];
    const levelChanged = frames !== get().frames;
    set((s) => ({ ...r.state, frames, history: r.history, revision: s.revision + 1, lastEdit: null }));
    if (levelChanged) get().setProblems(get().problemList);
  };
  return {
    history: emptyHistory<Snap>(),
    lastEdit: null,

    edit: (_name, fn, coalesceKey) => {
      if (get().readOnly) return;
      const before = snap();
      const now = Date.now();
      const last = get().lastEdit;
      const coalesce = !!coalesceKey && last?.key === coalesceKey && now - last.at < COALESCE_MS;
      const next = fn(before);
      if (next.nodes === before.nodes && next.edges === before.edges && next.frames === before.frames) return;
      set((s) => ({
        history: coalesce ? s.history : record(s.history, before),
        lastEdit: coalesceKey ? { key: coalesceKey, at: now } : null,
      }));
      set((s) => ({ ...next, revision: s.revision + 1 }));
    },

    beginDrag: () => {
      if (get().readOnly) return;
      set((s) => ({ history: record(s.history, snap()), lastEdit: null }));
    },

    undo: () => restore(undo(get().history, snap())),
    redo: () => restore(redo(get().history, snap())),
  };
}
