/** The editor page's behaviour, one hook per idea: loading, saving a version, validating, layout, actions. */
import { useReactFlow } from '@xyflow/react';
import { useCallback, useEffect, useMemo, useState, type Dispatch, type SetStateAction } from 'react';
import { ApiError, api, messageOf, prefetch } from '../api/client';
import type { Graph, NodeKind, Version, Workflow } from '../api/types';
import { catalog, KINDS_URL } from '../lib/catalog';
import { download, toast } from '../lib/ui';
import { actionForKey, isTyping, type ActionContext } from './actions';
import { useFitGraph } from './canvasHooks';
import { emptyGraph, normalizeGraph } from './graph';
import { layoutPositions } from './layout';
import type { EditorStoreApi } from './store';

export interface Loaded {
  workflow: Workflow;
  kinds: NodeKind[];
  /** The latest version's graph (null: none yet; undefined: still loading). */
  latest: Graph | null | undefined;
}

export type EditorDialog = null | 'help' | 'save' | 'run';

const workflowUrl = (id: string) => `/api/workflows/${id}/`;
const draftUrl = (id: string) => `/api/workflows/${id}/draft/`;

/**
 * Opened on an editor URL, the app sends the editor's first requests at once: they need not wait
 * for the session check and the first render (main.tsx).
 */
export function prefetchEditor(path: string): void {
  const id = /^\/workflows\/(\d+)\/?$/.exec(path)?.[1];
  if (id) prefetch([workflowUrl(id), draftUrl(id), KINDS_URL]);
}

/** The draft, or null when there is none (404). */
async function loadDraft(id: string): Promise<Graph | null> {
  try {
    return (await api.get<{ graph: Graph | null }>(draftUrl(id)))?.graph ?? null;
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 404)) throw e;
    return null;
  }
}

const loadVersion = async (id: string, workflow: Workflow): Promise<Graph | null> =>
  workflow.latest_version
    ? normalizeGraph((await api.get<Version>(`/api/workflows/${id}/versions/${workflow.latest_version.number}/`)).graph)
    : null;

/**
 * The canvas shows the draft when it has nodes, else the latest version. The draft does not wait
 * for the workflow, and a draft with nodes does not wait for the latest version either (it only
 * tells whether the canvas differs from it: `latest` stays undefined until `onLatest` brings it).
 */
async function loadEditor(id: string, store: EditorStoreApi, onLatest: (g: Graph | null) => void): Promise<Loaded> {
  const [kinds, workflow, rawDraft] = await Promise.all([
    catalog.kinds(),
    api.get<Workflow>(workflowUrl(id)),
    loadDraft(id),
  ]);
  store.getState().setKinds(kinds);
  if (rawDraft?.nodes?.length) {
    store.getState().load(normalizeGraph(rawDraft));
    loadVersion(id, workflow).then(onLatest, () => undefined);
    return { workflow, kinds, latest: undefined };
  }
  const latest = await loadVersion(id, workflow);
  store.getState().load(rawDraft && !latest ? normalizeGraph(rawDraft) : (latest ?? emptyGraph()));
  return { workflow, kinds, latest };
}

/** The workflow, node kinds and latest version; the store gets the draft (or the latest version). */
export function useLoadedEditor(id: string, store: EditorStoreApi) {
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    // A save made meanwhile has set `latest` already: the fetched version is older then.
    const onLatest = (latest: Graph | null) => setLoaded((l) => (l && l.latest === undefined ? { ...l, latest } : l));
    loadEditor(id, store, onLatest).then(setLoaded, setError);
  }, [id, store]);
  return { loaded, setLoaded, error };
}

/** The graph as saved: the store's graph plus the current viewport. */
export function useGraphNow(store: EditorStoreApi): () => Graph {
  const rf = useReactFlow();
  return useCallback((): Graph => ({ ...store.getState().graph(), viewport: rf.getViewport() }), [store, rf]);
}

interface SaveDeps {
  id: string;
  store: EditorStoreApi;
  graphNow: () => Graph;
  setLoaded: Dispatch<SetStateAction<Loaded | null>>;
  onSaved: () => void;
  onDone: () => void;
}

/** Save the canvas as a new version; a refused graph marks its problems on the canvas. */
export function useSaveVersion({ id, store, graphNow, setLoaded, onSaved, onDone }: SaveDeps) {
  return useCallback(
    async (message: string): Promise<boolean> => {
      try {
        const v = await api.post<Version>(`/api/workflows/${id}/versions/`, { graph: graphNow(), message });
        store.getState().setProblems([]);
        setLoaded((l) =>
          l
            ? { ...l, latest: normalizeGraph(v.graph ?? graphNow()), workflow: { ...l.workflow, latest_version: v } }
            : l,
        );
        onSaved();
        toast(`Saved version ${v.number}`, 'ok');
        onDone();
        return true;
      } catch (e) {
        if (e instanceof ApiError && e.problems.length) {
          store.getState().setProblems(e.problems);
          toast(`Not saved: ${e.problems.length} problem(s) — see the red nodes and edges.`, 'error');
        } else toast(messageOf(e), 'error');
        onDone();
        return false;
      }
    },
    [id, graphNow, store, setLoaded, onSaved, onDone],
  );
}

async function validate(id: string, store: EditorStoreApi, graph: Graph) {
  try {
    const r = await api.post<{ problems: ApiError['problems'] }>(`/api/workflows/${id}/validate/`, { graph });
    store.getState().setProblems(r.problems);
    toast(
      r.problems.length ? `${r.problems.length} problem(s) found` : 'No problems found',
      r.problems.length ? 'error' : 'ok',
    );
  } catch (e) {
    toast(messageOf(e), 'error');
  }
}

interface ContextDeps {
  id: string;
  store: EditorStoreApi;
  loaded: Loaded | null;
  graphNow: () => Graph;
  setDialog: Dispatch<SetStateAction<EditorDialog>>;
}

/** What the ACTIONS table's actions run against (shortcuts and toolbar alike). */
export function useActionContext({ id, store, loaded, graphNow, setDialog }: ContextDeps): ActionContext {
  const fitGraph = useFitGraph();
  const autoLayout = useCallback(async () => {
    const s = store.getState();
    s.setPositions(await layoutPositions(s.nodes, s.edges));
    setTimeout(() => fitGraph(300), 50);
  }, [store, fitGraph]);
  const workflow = loaded?.workflow;
  return useMemo(
    () => ({
      store,
      fitView: () => fitGraph(300),
      autoLayout: () => void autoLayout(),
      toggleHelp: () => setDialog((d) => (d === 'help' ? null : 'help')),
      saveVersion: () => setDialog('save'),
      validate: () => void validate(id, store, graphNow()),
      exportGraph: () =>
        workflow &&
        download(`${workflow.slug || id}.axweb.json`, {
          axweb_export: 1,
          name: workflow.name,
          description: workflow.description,
          graph: graphNow(),
        }),
      openRun: () => setDialog('run'),
    }),
    [id, store, workflow, graphNow, setDialog, fitGraph, autoLayout],
  );
}

/** Key presses run the matching action, unless the user is typing or a dialog is open. */
export function useShortcuts(ctx: ActionContext) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isTyping(e.target) || document.querySelector('.modal-back')) return;
      const action = actionForKey(e);
      if (!action) return;
      e.preventDefault();
      action.run(ctx);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [ctx]);
}
