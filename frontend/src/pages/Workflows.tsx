import { useCallback, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { ApiError, api, messageOf, qs, type Page } from '../api/client';
import type { Workflow } from '../api/types';
import { ErrorBanner, Field, ListSkeleton, Modal, useLoad } from '../components/common';
import { ImportForeignDialog, importPreview } from '../gallery/ImportForeign';
import type { ImportPreview } from '../gallery/types';
import { download, fmtTime, toast, useAuth } from '../lib/ui';

function useWorkflowList(search: string) {
  const [items, setItems] = useState<Workflow[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(async () => {
    try {
      const page = await api.get<Page<Workflow>>(`/api/workflows/${qs({ search, page_size: 200 })}`);
      setItems(page.results);
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [search]);
  useLoad(load);
  return { items, error, load };
}

/** Import a workflow from an AXWeb export (opens it) or a Langflow / Flowise file (shows the
 * import report first). */
function ImportButton() {
  const fileRef = useRef<HTMLInputElement>(null);
  const navigate = useNavigate();
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  async function importFile(file: File) {
    try {
      const doc: unknown = JSON.parse(await file.text());
      if (!(doc && typeof doc === 'object' && 'axweb_export' in doc)) {
        setPreview(await importPreview(doc));
        return;
      }
      const wf = await api.post<Workflow>('/api/workflows/import/', doc);
      toast(`Imported “${wf.name}”`, 'ok');
      navigate(`/workflows/${wf.id}`);
    } catch (e) {
      toast(e instanceof SyntaxError ? 'That file is not valid JSON.' : messageOf(e), 'error');
    }
  }
  return (
    <>
      <button
        onClick={() => fileRef.current?.click()}
        data-testid="import-workflow"
        title="An AXWeb export, a Langflow flow or a Flowise chatflow / agentflow"
      >
        Import
      </button>
      {preview && <ImportForeignDialog preview={preview} onClose={() => setPreview(null)} />}
      <input
        ref={fileRef}
        type="file"
        accept="application/json,.json"
        hidden
        onChange={(e) => {
          const f = e.target.files?.[0];
          if (f) void importFile(f);
          e.target.value = '';
        }}
      />
    </>
  );
}

type Act = (fn: () => Promise<unknown>, ok: string) => Promise<void>;

function WorkflowRow({ w, act, staff }: { w: Workflow; act: Act; staff: boolean }) {
  return (
    <tr data-testid={`workflow-row-${w.id}`}>
      <td>
        <Link to={`/workflows/${w.id}`}>
          <b>{w.name}</b>
        </Link>
        {w.expose_as_tool && (
          <span
            className="badge mcp-badge"
            title="Exposed as a tool of the MCP server at /mcp/"
            data-testid="mcp-badge"
          >
            MCP tool
          </span>
        )}
        <div className="hint">{w.description}</div>
      </td>
      {staff && <td data-testid="workflow-owner">{w.owner}</td>}
      <td>
        {w.latest_version ? (
          `v${w.latest_version.number} · ${w.latest_version.message || 'no message'}`
        ) : (
          <span className="hint">draft only</span>
        )}
      </td>
      <td className="hint">{fmtTime(w.updated_at)}</td>
      <td style={{ textAlign: 'right' }}>
        <div className="toolbar" style={{ justifyContent: 'flex-end' }}>
          <Link to={`/workflows/${w.id}/chat`} className="btn small" data-testid="workflow-chat">
            Chat
          </Link>
          <button
            className="small"
            onClick={() => act(() => api.post(`/api/workflows/${w.id}/duplicate/`), 'Duplicated')}
          >
            Duplicate
          </button>
          <button
            className="small"
            onClick={async () => {
              try {
                download(`${w.slug || w.id}.axweb.json`, await api.get(`/api/workflows/${w.id}/export/`));
              } catch (e) {
                toast(messageOf(e), 'error');
              }
            }}
          >
            Export
          </button>
          <button
            className="small danger"
            onClick={() => {
              if (confirm(`Delete “${w.name}”? This cannot be undone.`))
                void act(() => api.del(`/api/workflows/${w.id}/`), 'Deleted');
            }}
          >
            Delete
          </button>
        </div>
      </td>
    </tr>
  );
}

export function WorkflowsPage() {
  const [search, setSearch] = useState('');
  const { items, error, load } = useWorkflowList(search);
  const [creating, setCreating] = useState(false);
  const navigate = useNavigate();
  const staff = useAuth((s) => !!s.user?.is_staff);

  async function act(fn: () => Promise<unknown>, ok: string) {
    try {
      await fn();
      toast(ok, 'ok');
      await load();
    } catch (e) {
      toast(messageOf(e), 'error');
    }
  }

  return (
    <div className="page">
      <div className="page-head">
        <h1>Workflows</h1>
        <div className="spacer" />
        <input
          aria-label="Search workflows"
          placeholder="Search workflows…"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          style={{ width: 240 }}
          data-testid="workflow-search"
        />
        <Link className="btn" to="/templates" data-testid="browse-templates">
          Templates
        </Link>
        <ImportButton />
        <button className="primary" onClick={() => setCreating(true)} data-testid="new-workflow">
          + New workflow
        </button>
      </div>
      <ErrorBanner error={error} />
      {!items && !error && <ListSkeleton />}
      {items && items.length === 0 && <EmptyWorkflows searching={!!search} onCreate={() => setCreating(true)} />}
      {items && items.length > 0 && (
        <table className="list" data-testid="workflow-list">
          <thead>
            <tr>
              <th>Name</th>
              {staff && <th>Owner</th>}
              <th>Latest version</th>
              <th>Updated</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((w) => (
              <WorkflowRow key={w.id} w={w} act={act} staff={staff} />
            ))}
          </tbody>
        </table>
      )}
      {creating && (
        <CreateWorkflow onClose={() => setCreating(false)} onCreated={(w) => navigate(`/workflows/${w.id}`)} />
      )}
    </div>
  );
}

/** A new user's first screen: say what to do, starting with a template. */
function EmptyWorkflows({ searching, onCreate }: { searching: boolean; onCreate: () => void }) {
  if (searching) return <div className="card empty">No workflow matches your search.</div>;
  return (
    <div className="card empty" data-testid="workflows-empty">
      <h2>Build your first workflow</h2>
      <p>
        Start from a ready-made team of agents, then change it on the canvas — or import a file from AXWeb, Langflow or
        Flowise.
      </p>
      <div className="toolbar" style={{ justifyContent: 'center' }}>
        <Link className="btn primary" to="/templates" data-testid="empty-templates">
          Browse templates
        </Link>
        <button onClick={onCreate}>Start from a blank canvas</button>
      </div>
    </div>
  );
}

function CreateWorkflow({ onClose, onCreated }: { onClose: () => void; onCreated: (w: Workflow) => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  async function submit() {
    try {
      onCreated(await api.post<Workflow>('/api/workflows/', { name, description }));
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'error', messageOf(e)));
    }
  }
  return (
    <Modal
      title="New workflow"
      onClose={onClose}
      footer={
        <>
          <button onClick={onClose}>Cancel</button>
          <button className="primary" onClick={submit} data-testid="create-workflow-submit">
            Create
          </button>
        </>
      }
    >
      {error && !Object.keys(error.fields).length && <div className="err-banner">{error.message}</div>}
      <p className="hint">
        Or start from a <Link to="/templates">template</Link> with its agents and tools.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <Field label="Name" error={error?.fieldError('name')}>
          <input autoFocus name="name" value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label="Description" error={error?.fieldError('description')}>
          <textarea name="description" value={description} onChange={(e) => setDescription(e.target.value)} />
        </Field>
      </form>
    </Modal>
  );
}
