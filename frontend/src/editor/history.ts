/** Undo/redo history of immutable snapshots (pure; the editor store owns one). */

export interface History<T> {
  past: T[];
  future: T[];
}

export const LIMIT = 200;

export function emptyHistory<T>(): History<T> {
  return { past: [], future: [] };
}

/** Record `before` (the state the edit replaced); a new edit clears redo. */
export function record<T>(h: History<T>, before: T, limit = LIMIT): History<T> {
  const past = [...h.past, before];
  return { past: past.length > limit ? past.slice(past.length - limit) : past, future: [] };
}

export function undo<T>(h: History<T>, present: T): { history: History<T>; state: T } | null {
  if (!h.past.length) return null;
  const state = h.past[h.past.length - 1];
  return { history: { past: h.past.slice(0, -1), future: [present, ...h.future] }, state };
}

export function redo<T>(h: History<T>, present: T): { history: History<T>; state: T } | null {
  if (!h.future.length) return null;
  const [state, ...future] = h.future;
  return { history: { past: [...h.past, present], future }, state };
}
