import { ReactFlowProvider, useReactFlow } from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useStore } from 'zustand';
import { ApiError, api, messageOf } from '../api/client';
import type { Graph, NodeKind, Version, Workflow } from '../api/types';
import { ErrorBanner } from '../components/common';
import { ACTIONS, isTyping, type ActionContext } from '../editor/actions';
import { Canvas, useFitGraph } from '../editor/Canvas';
import { EditorContext } from '../editor/context';
import { RunDialog, SaveVersionDialog, ShortcutHelp } from '../editor/dialogs';
import { diffGraphs, diffIsEmpty } from '../editor/diff';
import { emptyGraph, normalizeGraph } from '../editor/graph';
import { layoutPositions } from '../editor/layout';
import { Palette } from '../editor/Palette';
import { PropertyPanel } from '../editor/PropertyPanel';
import { createEditorStore, type EditorStoreApi } from '../editor/store';
import { VersionPanel } from '../editor/VersionPanel';
import { catalog } from '../lib/catalog';
import { download, toast } from '../lib/ui';

type SaveState = 'saved' | 'unsaved' | 'saving' | 'error';

interface Loaded {
  workflow: Workflow;
  kinds: NodeKind[];
  latest: Graph | null;
}

async function loadEditor(id: string, store: EditorStoreApi): Promise<Loaded> {
  const [kinds, workflow] = await Promise.all([catalog.kinds(), api.get<Workflow>(`/api/workflows/${id}/`)]);
  const latest = workflow.latest_version
    ? normalizeGraph((await api.get<Version>(`/api/workflows/${id}/versions/${workflow.latest_version.number}/`)).graph)
    : null;
  let draft: Graph | null = null;
  try {
    const d = await api.get<{ graph: Graph | null }>(`/api/workflows/${id}/draft/`);
    if (d?.graph && (d.graph.nodes?.length || !latest)) draft = normalizeGraph(d.graph);
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 404)) throw e;
  }
  store.getState().setKinds(kinds);
  store.getState().load(draft ?? latest ?? emptyGraph());
  return { workflow, kinds, latest };
}

export function EditorPage() {
  const { id = '' } = useParams();
  const store = useMemo(() => createEditorStore(), [id]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <EditorContext.Provider value={store}>
      <ReactFlowProvider>
        <EditorInner key={id} id={id} store={store} />
      </ReactFlowProvider>
    </EditorContext.Provider>
  );
}

const SAVE_TEXT: Record<SaveState, string> = { saved: 'Saved', unsaved: 'Unsaved changes', saving: 'Saving…', error: 'Autosave failed' };

/** Debounced PUT of the draft; lives in its own component so drags do not re-render the page. */
function Autosave({ id, store, graphNow }: { id: string; store: EditorStoreApi; graphNow: () => Graph }) {
  const state = useAutosave(id, store, true, graphNow);
  return <span className={`save-state ${state === 'error' ? 'error' : ''}`} data-testid="save-state">{SAVE_TEXT[state]}</span>;
}

function useAutosave(id: string, store: EditorStoreApi, enabled: boolean, graphNow: () => Graph) {
  const [state, setState] = useState<SaveState>('saved');
  const revision = useStore(store, (s) => s.revision);
  const seen = useRef(revision);
  const dirty = useRef(false);
  const put = useCallback(() => api.put(`/api/workflows/${id}/draft/`, { graph: graphNow() }), [id, graphNow]);
  useEffect(() => {
    if (!enabled) return;
    // Only an edit (a new revision) makes the draft dirty. `put` changes identity once when React
    // Flow's viewport initialises (useReactFlow), which must not mark a just-opened graph unsaved;
    // a save pending at that moment is rescheduled because `dirty` is still set.
    if (seen.current === revision && !dirty.current) return;
    seen.current = revision;
    dirty.current = true;
    setState('unsaved');
    const t = setTimeout(async () => {
      setState('saving');
      try {
        await put();
        dirty.current = false;
        setState('saved');
      } catch {
        setState('error');
      }
    }, 800);
    return () => clearTimeout(t);
  }, [revision, enabled, put]);
  useEffect(() => {
    const warn = (e: BeforeUnloadEvent) => {
      if (dirty.current) e.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => {
      window.removeEventListener('beforeunload', warn);
      if (dirty.current) void put().catch(() => undefined); // flush when leaving the editor
    };
  }, [put]);
  return state;
}

function EditorInner({ id, store }: { id: string; store: EditorStoreApi }) {
  const rf = useReactFlow();
  const fitGraph = useFitGraph();
  const navigate = useNavigate();
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [tab, setTab] = useState<'props' | 'versions'>('props');
  const [dialog, setDialog] = useState<null | 'help' | 'save' | 'run'>(null);
  const [versionsKey, setVersionsKey] = useState(0);
  const canUndo = useStore(store, (s) => s.history.past.length > 0);
  const canRedo = useStore(store, (s) => s.history.future.length > 0);

  useEffect(() => {
    loadEditor(id, store).then(setLoaded, setError);
  }, [id, store]);

  const graphNow = useCallback((): Graph => ({ ...store.getState().graph(), viewport: rf.getViewport() }), [store, rf]);

  const saveVersion = useCallback(async (message: string): Promise<boolean> => {
    try {
      const v = await api.post<Version>(`/api/workflows/${id}/versions/`, { graph: graphNow(), message });
      store.getState().setProblems([]);
      setLoaded((l) => (l ? { ...l, latest: normalizeGraph(v.graph ?? graphNow()), workflow: { ...l.workflow, latest_version: v } } : l));
      setVersionsKey((k) => k + 1);
      toast(`Saved version ${v.number}`, 'ok');
      setDialog(null);
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.problems.length) {
        store.getState().setProblems(e.problems);
        toast(`Not saved: ${e.problems.length} problem(s) — see the red nodes and edges.`, 'error');
      } else toast(messageOf(e), 'error');
      setDialog(null);
      return false;
    }
  }, [id, graphNow, store]);

  const validate = async () => {
    try {
      const r = await api.post<{ problems: ApiError['problems'] }>(`/api/workflows/${id}/validate/`, { graph: graphNow() });
      store.getState().setProblems(r.problems);
      toast(r.problems.length ? `${r.problems.length} problem(s) found` : 'No problems found', r.problems.length ? 'error' : 'ok');
    } catch (e) {
      toast(messageOf(e), 'error');
    }
  };

  const autoLayout = useCallback(async () => {
    const s = store.getState();
    s.setPositions(await layoutPositions(s.nodes, s.edges));
    setTimeout(() => fitGraph(300), 50);
  }, [store, fitGraph]);

  useEffect(() => {
    const ctx: ActionContext = {
      store,
      fitView: () => fitGraph(300),
      autoLayout: () => void autoLayout(),
      toggleHelp: () => setDialog((d) => (d === 'help' ? null : 'help')),
      saveVersion: () => setDialog('save'),
    };
    const onKey = (e: KeyboardEvent) => {
      if (isTyping(e.target) || document.querySelector('.modal-back')) return;
      const action = ACTIONS.find((a) => a.match(e));
      if (!action) return;
      e.preventDefault();
      action.run(ctx);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store, autoLayout, fitGraph]);

  if (error) return <div className="page"><ErrorBanner error={error} /><Link to="/">Back to workflows</Link></div>;
  if (!loaded) return <div className="empty">Loading editor…</div>;
  const unsaved = () => !loaded.latest || !diffIsEmpty(diffGraphs(loaded.latest, store.getState().graph()));

  return (
    <div className="editor">
      <div className="editor-bar">
        <Link to="/" className="hint">Workflows</Link><span className="hint">/</span>
        <span className="name" data-testid="workflow-name">{loaded.workflow.name}</span>
        {loaded.workflow.latest_version && <span className="badge">v{loaded.workflow.latest_version.number}</span>}
        <Autosave id={id} store={store} graphNow={graphNow} />
        <div className="spacer" />
        <button className="ghost" disabled={!canUndo} onClick={() => store.getState().undo()} title="Undo (Ctrl+Z)" data-testid="undo">↶</button>
        <button className="ghost" disabled={!canRedo} onClick={() => store.getState().redo()} title="Redo (Ctrl+Shift+Z)" data-testid="redo">↷</button>
        <button onClick={() => void autoLayout()} title="Auto-layout (Shift+L)" data-testid="auto-layout">Auto-layout</button>
        <button onClick={validate} data-testid="validate">Validate</button>
        <button onClick={() => download(`${loaded.workflow.slug || id}.axweb.json`, { axweb_export: 1, name: loaded.workflow.name, description: loaded.workflow.description, graph: graphNow() })}>Export</button>
        <button onClick={() => setDialog('help')} title="Shortcuts (?)">?</button>
        <button onClick={() => setDialog('save')} data-testid="save-version">Save version</button>
        <button className="primary" onClick={() => setDialog('run')} data-testid="run-button">▶ Run</button>
      </div>
      <Palette kinds={loaded.kinds} onAdd={(k) => {
        const r = document.querySelector('.canvas')?.getBoundingClientRect();
        store.getState().addNode(k, rf.screenToFlowPosition({ x: (r?.left ?? 0) + (r?.width ?? 600) / 2, y: (r?.top ?? 0) + (r?.height ?? 400) / 2 }));
      }} />
      <Canvas />
      <aside className="side">
        <div className="tabs">
          <button className={tab === 'props' ? 'on' : ''} onClick={() => setTab('props')}>Properties</button>
          <button className={tab === 'versions' ? 'on' : ''} onClick={() => setTab('versions')} data-testid="tab-versions">Versions</button>
        </div>
        {tab === 'props' ? <PropertyPanel /> : <VersionPanel workflowId={id} refreshKey={versionsKey} />}
      </aside>
      {dialog === 'help' && <ShortcutHelp onClose={() => setDialog(null)} />}
      {dialog === 'save' && <SaveVersionDialog onClose={() => setDialog(null)} onSave={async (m) => void (await saveVersion(m))} />}
      {dialog === 'run' && (
        <RunDialog workflowId={id} graph={store.getState().graph()} unsaved={unsaved()} onClose={() => setDialog(null)}
          saveFirst={() => saveVersion('Saved before run')} onStarted={(run) => navigate(`/runs/${run.id}`)} />
      )}
    </div>
  );
}
