/** React context carrying the per-editor store and (in run view) the run store. */
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { StoreApi } from 'zustand/vanilla';
import type { RunStore } from '../run/runStore';
import type { EditorStore, EditorStoreApi } from './store';

export const EditorContext = createContext<EditorStoreApi | null>(null);
export const RunContext = createContext<StoreApi<RunStore> | null>(null);

export function useEditorApi(): EditorStoreApi {
  const s = useContext(EditorContext);
  if (!s) throw new Error('EditorContext missing');
  return s;
}

export function useEditor<T>(selector: (s: EditorStore) => T): T {
  return useStore(useEditorApi(), selector);
}

const noRun = { getState: () => null, subscribe: () => () => undefined } as unknown as StoreApi<RunStore | null>;

/** Select from the run store, or get `fallback` outside a run view. */
export function useRunSelect<T>(selector: (s: RunStore) => T, fallback: T): T {
  const api = useContext(RunContext);
  return useStore((api ?? noRun) as StoreApi<RunStore | null>, (s) => (s ? selector(s) : fallback));
}
