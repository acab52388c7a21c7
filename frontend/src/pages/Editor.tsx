import { ReactFlowProvider, useReactFlow } from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useStore } from 'zustand';
import { api } from '../api/client';
import type { Graph, NodeKind, Workflow } from '../api/types';
import { ErrorBanner } from '../components/common';
import type { ActionContext } from '../editor/actions';
import { Canvas } from '../editor/Canvas';
import { EditorContext } from '../editor/context';
import { RunDialog, SaveVersionDialog, ShortcutHelp } from '../editor/dialogs';
import { diffGraphs, diffIsEmpty } from '../editor/diff';
import { Palette } from '../editor/Palette';
import { freeSpot, nodeBoxes } from '../editor/placement';
import { PropertyPanel } from '../editor/PropertyPanel';
import { createEditorStore, type EditorStoreApi } from '../editor/store';
import { Toolbar } from '../editor/Toolbar';
import {
  useActionContext,
  useGraphNow,
  useLoadedEditor,
  useSaveVersion,
  useShortcuts,
  type EditorDialog,
  type Loaded,
} from '../editor/useEditorPage';
import { VersionPanel } from '../editor/VersionPanel';
import { Playground } from '../editor/Playground';
import { TriggersPanel } from '../triggers/TriggersPanel';

type SaveState = 'saved' | 'unsaved' | 'saving' | 'error';

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

const SAVE_TEXT: Record<SaveState, string> = {
  saved: 'Saved',
  unsaved: 'Unsaved changes',
  saving: 'Saving…',
  error: 'Autosave failed',
};

/** Debounced PUT of the draft; lives in its own component so drags do not re-render the page. */
function Autosave({ id, store, graphNow }: { id: string; store: EditorStoreApi; graphNow: () => Graph }) {
  const state = useAutosave(id, store, true, graphNow);
  return (
    <span className={`save-state ${state === 'error' ? 'error' : ''}`} data-testid="save-state">
      {SAVE_TEXT[state]}
    </span>
  );
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

function EditorBar({
  workflow,
  id,
  store,
  graphNow,
  ctx,
}: {
  workflow: Workflow;
  id: string;
  store: EditorStoreApi;
  graphNow: () => Graph;
  ctx: ActionContext;
}) {
  return (
    <div className="editor-bar">
      <Link to="/" className="hint">
        Workflows
      </Link>
      <span className="hint">/</span>
      <h1 className="name" data-testid="workflow-name">
        {workflow.name}
      </h1>
      {workflow.latest_version && <span className="badge">v{workflow.latest_version.number}</span>}
      <Autosave id={id} store={store} graphNow={graphNow} />
      <div className="spacer" />
      <Link to={`/workflows/${id}/chat`} className="btn" data-testid="open-chat">
        Chat
      </Link>
      <Toolbar ctx={ctx} />
    </div>
  );
}

function EditorSide({ id, versionsKey, graphNow }: { id: string; versionsKey: number; graphNow: () => Graph }) {
  const [tab, setTab] = useState<'props' | 'versions' | 'playground' | 'triggers'>('props');
  return (
    <aside className="side">
      <div className="tabs">
        <button className={tab === 'props' ? 'on' : ''} onClick={() => setTab('props')}>
          Properties
        </button>
        <button
          className={tab === 'versions' ? 'on' : ''}
          onClick={() => setTab('versions')}
          data-testid="tab-versions"
        >
          Versions
        </button>
        <button
          className={tab === 'playground' ? 'on' : ''}
          onClick={() => setTab('playground')}
          data-testid="tab-playground"
        >
          Playground
        </button>
        <button
          className={tab === 'triggers' ? 'on' : ''}
          onClick={() => setTab('triggers')}
          data-testid="tab-triggers"
        >
          Triggers
        </button>
      </div>
      {tab === 'props' && <PropertyPanel />}
      {tab === 'versions' && <VersionPanel workflowId={id} refreshKey={versionsKey} />}
      {tab === 'playground' && <Playground workflowId={id} graphNow={graphNow} />}
      {tab === 'triggers' && <TriggersPanel workflowId={id} />}
    </aside>
  );
}

/** Palette double-clicks and Enter add the node near the centre of the canvas, never on a node. */
function EditorPalette({ kinds, store }: { kinds: NodeKind[]; store: EditorStoreApi }) {
  const rf = useReactFlow();
  return (
    <Palette
      kinds={kinds}
      onAdd={(k) => {
        const r = document.querySelector('.canvas')?.getBoundingClientRect();
        const centre = { x: (r?.left ?? 0) + (r?.width ?? 600) / 2, y: (r?.top ?? 0) + (r?.height ?? 400) / 2 };
        // React Flow's nodes: they carry the size each node is drawn at (editor/nodeSize.ts).
        const at = freeSpot(rf.screenToFlowPosition(centre), nodeBoxes(rf.getNodes()));
        store.getState().addNode(k, at);
      }}
    />
  );
}

function EditorDialogs({
  id,
  store,
  loaded,
  dialog,
  close,
  saveVersion,
}: {
  id: string;
  store: EditorStoreApi;
  loaded: Loaded;
  dialog: EditorDialog;
  close: () => void;
  saveVersion: (message: string) => Promise<boolean>;
}) {
  const navigate = useNavigate();
  const unsaved = () => !loaded.latest || !diffIsEmpty(diffGraphs(loaded.latest, store.getState().graph()));
  return (
    <>
      {dialog === 'help' && <ShortcutHelp onClose={close} />}
      {dialog === 'save' && <SaveVersionDialog onClose={close} onSave={async (m) => void (await saveVersion(m))} />}
      {dialog === 'run' && (
        <RunDialog
          workflowId={id}
          graph={store.getState().graph()}
          unsaved={unsaved()}
          onClose={close}
          saveFirst={() => saveVersion('Saved before run')}
          onStarted={(run) => navigate(`/runs/${run.id}`)}
        />
      )}
    </>
  );
}

function EditorInner({ id, store }: { id: string; store: EditorStoreApi }) {
  const { loaded, setLoaded, error } = useLoadedEditor(id, store);
  const [dialog, setDialog] = useState<EditorDialog>(null);
  const [versionsKey, setVersionsKey] = useState(0);
  const graphNow = useGraphNow(store);
  const close = useCallback(() => setDialog(null), []);
  const onSaved = useCallback(() => setVersionsKey((k) => k + 1), []);
  const saveVersion = useSaveVersion({ id, store, graphNow, setLoaded, onSaved, onDone: close });
  const ctx = useActionContext({ id, store, loaded, graphNow, setDialog });
  useShortcuts(ctx);

  if (error)
    return (
      <div className="page">
        <ErrorBanner error={error} />
        <Link to="/">Back to workflows</Link>
      </div>
    );
  if (!loaded) return <div className="empty">Loading editor…</div>;
  return (
    <div className="editor">
      <EditorBar workflow={loaded.workflow} id={id} store={store} graphNow={graphNow} ctx={ctx} />
      <EditorPalette kinds={loaded.kinds} store={store} />
      <Canvas />
      <EditorSide id={id} versionsKey={versionsKey} graphNow={graphNow} />
      <EditorDialogs id={id} store={store} loaded={loaded} dialog={dialog} close={close} saveVersion={saveVersion} />
    </div>
  );
}
