import { useState } from 'react';
import { ApiError, api, listOf, messageOf, type Page } from '../api/client';
import { Field, Modal } from '../components/common';
import { toast } from '../lib/ui';

interface Hit {
  document: unknown;
  chunk: unknown;
  score: number;
  text: string;
}

export function KnowledgeTools({
  collection,
  onChanged,
}: {
  collection: { id: number | string; name?: unknown };
  onChanged: () => void;
}) {
  const [open, setOpen] = useState<null | 'add' | 'search'>(null);
  return (
    <>
      <button className="small" onClick={() => setOpen('add')}>
        Add document
      </button>
      <button className="small" onClick={() => setOpen('search')}>
        Search
      </button>
      {open === 'add' && (
        <AddDocument
          id={collection.id}
          onClose={() => setOpen(null)}
          onDone={() => {
            setOpen(null);
            onChanged();
          }}
        />
      )}
      {open === 'search' && (
        <SearchCollection id={collection.id} name={String(collection.name ?? '')} onClose={() => setOpen(null)} />
      )}
    </>
  );
}

function AddDocument({ id, onClose, onDone }: { id: number | string; onClose: () => void; onDone: () => void }) {
  const [title, setTitle] = useState('');
  const [text, setText] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const submit = async () => {
    try {
      await api.post(`/api/knowledge/collections/${id}/documents/`, { title, text });
      toast('Document added', 'ok');
      onDone();
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'error', messageOf(e)));
    }
  };
  return (
    <Modal
      title="Add document"
      onClose={onClose}
      wide
      footer={
        <>
          <button onClick={onClose}>Cancel</button>
          <button className="primary" onClick={submit}>
            Add
          </button>
        </>
      }
    >
      {error && !Object.keys(error.fields).length && <div className="err-banner">{error.message}</div>}
      <Field label="Title" error={error?.fieldError('title')}>
        <input value={title} onChange={(e) => setTitle(e.target.value)} />
      </Field>
      <Field label="Text" error={error?.fieldError('text')}>
        <textarea rows={10} value={text} onChange={(e) => setText(e.target.value)} />
      </Field>
      <label className="btn" style={{ display: 'inline-flex' }}>
        Load a .txt / .md file
        <input
          type="file"
          accept=".txt,.md,text/plain"
          hidden
          onChange={async (e) => {
            const f = e.target.files?.[0];
            if (f) {
              setText(await f.text());
              if (!title) setTitle(f.name);
            }
          }}
        />
      </label>
    </Modal>
  );
}

function SearchCollection({ id, name, onClose }: { id: number | string; name: string; onClose: () => void }) {
  const [q, setQ] = useState('');
  const [hits, setHits] = useState<Hit[] | null>(null);
  const run = async () => {
    try {
      setHits(
        listOf(
          await api.get<Hit[] | Page<Hit>>(`/api/knowledge/collections/${id}/search/?q=${encodeURIComponent(q)}&k=5`),
        ),
      );
    } catch (e) {
      toast(messageOf(e), 'error');
    }
  };
  return (
    <Modal title={`Search “${name}”`} onClose={onClose} wide footer={<button onClick={onClose}>Close</button>}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
        className="toolbar"
        style={{ flexWrap: 'nowrap' }}
      >
        <input autoFocus value={q} onChange={(e) => setQ(e.target.value)} placeholder="Ask something…" />
        <button className="primary" type="submit">
          Search
        </button>
      </form>
      {hits?.length === 0 && <p className="hint">No matches.</p>}
      {hits?.map((h, i) => (
        <div key={i} className="version-item" style={{ marginTop: 8 }}>
          <div className="row">
            <span className="badge">{h.score.toFixed(3)}</span>
            <span className="hint">
              document {String(h.document)} · chunk {String(h.chunk)}
            </span>
          </div>
          <div style={{ whiteSpace: 'pre-wrap', marginTop: 4 }}>{h.text}</div>
        </div>
      ))}
    </Modal>
  );
}
