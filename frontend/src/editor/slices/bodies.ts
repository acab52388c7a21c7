/** Bodies slice: open a loop's or map's body on the canvas and close it again (breadcrumb). */
import { enterBody, framePath, leaveTo } from '../bodies';
import { indexProblems } from '../problems';
import type { EditorActions, SliceTools } from './types';

export type BodySlice = Pick<EditorActions, 'openBody' | 'closeBodies' | 'showIteration'>;

export function bodySlice({ set, get }: SliceTools): BodySlice {
  const show = (level: ReturnType<typeof leaveTo>) =>
    set((s) => ({ ...level, lastEdit: null, problems: indexProblems(s.problemList, framePath(level.frames)) }));
  return {
    // Not edits: the document stays the same, only the level shown changes (undo keeps working
    // across levels because every snapshot carries its frames).
    openBody: (id, field = 'body', iteration) => {
      const s = get();
      const level = enterBody(s.frames, s.nodes, s.edges, id, field, iteration);
      if (!level) return false;
      show(level);
      return true;
    },
    closeBodies: (depth) => {
      const s = get();
      if (depth >= s.frames.length) return;
      show(leaveTo(s.frames, s.nodes, s.edges, depth));
    },
    showIteration: (depth, iteration) =>
      set((s) => ({ frames: s.frames.map((f, i) => (i === depth ? { ...f, iteration } : f)) })),
  };
}
