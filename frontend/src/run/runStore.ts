/** Per-run zustand store: holds RunState and delegates every change to dispatch.ts. */
import { createStore } from 'zustand/vanilla';
import type { EventEnvelope } from '../api/types';
import { applyEvents, emptyRunState, fromSnapshot, type RunState, type Snapshot } from './dispatch';

export type Connection = 'connecting' | 'live' | 'reconnecting' | 'closed' | 'error';

export interface RunStore extends RunState {
  connection: Connection;
  connectionError: string | null;
  loadSnapshot(s: Snapshot): void;
  apply(events: EventEnvelope[]): void;
  setConnection(c: Connection, error?: string | null): void;
}

export function createRunStore() {
  return createStore<RunStore>()((set) => ({
    ...emptyRunState(),
    connection: 'connecting',
    connectionError: null,
    // A snapshot older than what we already hold is ignored (events may have raced ahead).
    loadSnapshot: (snap) => set((s) => (snap.seq >= s.seq ? fromSnapshot(snap) : s)),
    apply: (events) => set((s) => applyEvents(s, events)),
    setConnection: (connection, error = null) => set({ connection, connectionError: error }),
  }));
}

export type RunStoreApi = ReturnType<typeof createRunStore>;
