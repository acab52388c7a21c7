/** Per-run zustand store: holds RunState and delegates every change to dispatch.ts. */
import { createStore } from 'zustand/vanilla';
import type { EventEnvelope } from '../api/types';
import { applyEvents, emptyRunState, fromSnapshot, type RunState, type Snapshot } from './dispatch';

export type Connection = 'connecting' | 'live' | 'reconnecting' | 'closed' | 'error';

export const LOG_LIMIT = 5000;

export interface RunStore extends RunState {
  /** Raw events seen, in seq order, for the trace view (not part of the synced state). */
  log: EventEnvelope[];
  connection: Connection;
  connectionError: string | null;
  loadSnapshot(s: Snapshot): void;
  apply(events: EventEnvelope[]): void;
  setConnection(c: Connection, error?: string | null): void;
}

export function createRunStore() {
  return createStore<RunStore>()((set) => ({
    ...emptyRunState(),
    log: [],
    connection: 'connecting',
    connectionError: null,
    // A snapshot older than what we already hold is ignored (events may have raced ahead).
    // Keep run fields the snapshot does not carry (workflow_name, version, inputs…).
    loadSnapshot: (snap) =>
      set((s) => (snap.seq >= s.seq ? { ...fromSnapshot(snap), run: { ...s.run, ...snap.run }, log: s.log } : s)),
    apply: (events) => set((s) => ({ ...applyEvents(s, events), log: mergeLog(s.log, events) })),
    setConnection: (connection, error = null) => set({ connection, connectionError: error }),
  }));
}

export type RunStoreApi = ReturnType<typeof createRunStore>;

/** Add events to the log by seq, without duplicates, keeping the newest LOG_LIMIT. */
export function mergeLog(log: EventEnvelope[], events: EventEnvelope[]): EventEnvelope[] {
  const seen = new Set(log.map((e) => e.seq));
  const fresh = events.filter((e) => !seen.has(e.seq) && (seen.add(e.seq), true));
  if (!fresh.length) return log;
  const merged = [...log, ...fresh].sort((a, b) => a.seq - b.seq);
  return merged.length > LOG_LIMIT ? merged.slice(merged.length - LOG_LIMIT) : merged;
}
