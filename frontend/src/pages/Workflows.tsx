import { useCallback, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { ApiError, api, messageOf, qs, type Page } from '../api/client';
import type { Workflow } from '../api/types';
import { ErrorBanner, Field, ListSkeleton, Modal, useLoad } from '../components/common';
import { download, fmtTime, toast } from '../lib/ui';

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

/** Import a workflow from a JSON export and open it. */
function ImportButton() {
  const fileRef = useRef<HTMLInputElement>(null);
  const navigate = useNavigate();
  async function importFile(file: File) {
    try {
      const doc: unknown = JSON.parse(await file.text());
      const wf = await api.post<Workflow>('/api/workflows/import/', doc);
      toast(`Imported “${wf.name}”`, 'ok');
      navigate(`/workflows/${wf.id}`);
    } catch (e) {
      toast(e instanceof SyntaxError ? 'That file is not valid JSON.' : messageOf(e), 'error');
    }
  }
  return (
    <>
      <button onClick={() => fileRef.current?.click()} data-testid="import-workflow">
        Import JSON
      </button>
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

function WorkflowRow({ w, act }: { w: Workflow; act: Act }) {
  return (
    <tr data-testid={`workflow-row-${w.id}`}>
      <td>
        <Link to={`/workflows/${w.id}`}>
          <b>{w.name}</b>
        </Link>
        <div className="hint">{w.description}</div>
      </td>
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
          placeholder="Search workflows…"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          style={{ width: 240 }}
          data-testid="workflow-search"
        />
        <ImportButton />
        <button className="primary" onClick={() => setCreating(true)} data-testid="new-workflow">
          + New workflow
        </button>
      </div>
      <ErrorBanner error={error} />
      {!items && !error && <ListSkeleton />}
      {items && items.length === 0 && (
        <div className="card empty">No workflows yet. Create one or import a JSON export.</div>
      )}
      {items && items.length > 0 && (
        <table className="list" data-testid="workflow-list">
          <thead>
            <tr>
              <th>Name</th>
              <th>Latest version</th>
              <th>Updated</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {items.map((w) => (
              <WorkflowRow key={w.id} w={w} act={act} />
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
