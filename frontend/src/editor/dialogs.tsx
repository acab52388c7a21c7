import { useState } from 'react';
import { ApiError, api, messageOf } from '../api/client';
import type { Graph, Run } from '../api/types';
import { Field, Modal } from '../components/common';
import { coerceInput, inputFields } from '../run/inputs';
import { ACTIONS, CLIPBOARD_HELP } from './actions';

export function ShortcutHelp({ onClose }: { onClose: () => void }) {
  const rows = [...ACTIONS.map((a) => ({ label: a.label, keys: a.keys })), ...CLIPBOARD_HELP];
  return (
    <Modal title="Keyboard shortcuts" onClose={onClose} footer={<button onClick={onClose}>Close</button>}>
      <div data-testid="shortcut-help">
        {rows.map((r) => (
          <div className="shortcut-row" key={r.label}>
            <span>{r.label}</span>
            <span>{r.keys.map((k) => <span key={k} className="kbd" style={{ marginLeft: 4 }}>{k}</span>)}</span>
          </div>
        ))}
      </div>
    </Modal>
  );
}

export function SaveVersionDialog({ onClose, onSave }: { onClose: () => void; onSave: (message: string) => Promise<void> }) {
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    try {
      await onSave(message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal title="Save version" onClose={onClose}
      footer={<><button onClick={onClose}>Cancel</button><button className="primary" disabled={busy} onClick={submit} data-testid="save-version-submit">{busy ? 'Saving…' : 'Save version'}</button></>}>
      <form onSubmit={(e) => { e.preventDefault(); void submit(); }}>
        <Field label="What changed?">
          <input autoFocus value={message} onChange={(e) => setMessage(e.target.value)} placeholder="e.g. add a critic before the answer" data-testid="version-message" />
        </Field>
      </form>
    </Modal>
  );
}

export function RunDialog({ workflowId, graph, unsaved, onClose, onStarted, saveFirst }: {
  workflowId: string; graph: Graph; unsaved: boolean; onClose: () => void;
  onStarted: (run: Run) => void; saveFirst: () => Promise<boolean>;
}) {
  const fields = inputFields(graph);
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(fields.map((f) => [f.name, f.default === undefined || f.default === null ? '' : typeof f.default === 'string' ? f.default : JSON.stringify(f.default)])),
  );
  const [save, setSave] = useState(unsaved);
  const [error, setError] = useState<ApiError | string | null>(null);
  const [busy, setBusy] = useState(false);

  async function start() {
    setBusy(true);
    setError(null);
    try {
      const inputs: Record<string, unknown> = {};
      for (const f of fields) inputs[f.name] = coerceInput(f, values[f.name] ?? '');
      if (save && !(await saveFirst())) return;
      onStarted(await api.post<Run>('/api/runs/', { workflow: workflowId, version: null, inputs }));
    } catch (e) {
      setError(e instanceof ApiError ? e : messageOf(e));
    } finally {
      setBusy(false);
    }
  }
  const fe = (n: string) => (error instanceof ApiError ? (error.fields[n] ?? error.fields[`inputs.${n}`])?.[0] : undefined);
  return (
    <Modal title="Run workflow" onClose={onClose}
      footer={<><button onClick={onClose}>Cancel</button><button className="primary" disabled={busy} onClick={start} data-testid="run-submit">{busy ? 'Starting…' : '▶ Run'}</button></>}>
      {error && <div className="err-banner" role="alert">{typeof error === 'string' ? error : error.message}</div>}
      {fields.length === 0 && <p className="hint">This workflow has no input node, so it runs without inputs.</p>}
      <form onSubmit={(e) => { e.preventDefault(); void start(); }} data-testid="run-form">
        {fields.map((f) => (
          <Field key={f.name} label={`${f.label}${f.required ? ' *' : ''}`} hint={f.description ?? f.type} error={fe(f.name)}>
            {f.type === 'bool' || f.type === 'boolean' ? (
              <select value={values[f.name]} data-testid={`run-input-${f.name}`} onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}>
                <option value="false">false</option><option value="true">true</option>
              </select>
            ) : f.type === 'text' || f.type === 'string' || f.type === 'any' ? (
              <textarea rows={3} value={values[f.name]} data-testid={`run-input-${f.name}`} onChange={(e) => setValues({ ...values, [f.name]: e.target.value })} />
            ) : (
              <input className="mono" value={values[f.name]} data-testid={`run-input-${f.name}`} onChange={(e) => setValues({ ...values, [f.name]: e.target.value })} />
            )}
          </Field>
        ))}
      </form>
      <label style={{ display: 'flex', gap: 6, alignItems: 'center' }}>
        <input type="checkbox" checked={save} onChange={(e) => setSave(e.target.checked)} />
        Save the canvas as a new version first {unsaved ? '(it has unsaved changes)' : ''}
      </label>
      <p className="hint">A run executes the latest saved version.</p>
    </Modal>
  );
}
