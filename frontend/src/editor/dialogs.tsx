import { useState } from 'react';
import { ApiError, api, messageOf } from '../api/client';
import type { Graph, Run } from '../api/types';
import { Field, Modal } from '../components/common';
import { coerceInput, inputFields, type InputField } from '../run/inputs';
import { LIMITS } from '../run/limits';
import { ACTIONS, CLIPBOARD_HELP } from './actions';
import { FieldBox, TypedValueInput } from './typedForms';
import { parseLoose } from './typedValues';

export function ShortcutHelp({ onClose }: { onClose: () => void }) {
  const rows = [
    ...ACTIONS.filter((a) => a.keys.length).map((a) => ({ label: a.label, keys: a.keys })),
    ...CLIPBOARD_HELP,
  ];
  return (
    <Modal title="Keyboard shortcuts" onClose={onClose} footer={<button onClick={onClose}>Close</button>}>
      <div data-testid="shortcut-help">
        {rows.map((r) => (
          <div className="shortcut-row" key={r.label}>
            <span>{r.label}</span>
            <span>
              {r.keys.map((k) => (
                <span key={k} className="kbd" style={{ marginLeft: 4 }}>
                  {k}
                </span>
              ))}
            </span>
          </div>
        ))}
      </div>
    </Modal>
  );
}

export function SaveVersionDialog({
  onClose,
  onSave,
}: {
  onClose: () => void;
  onSave: (message: string) => Promise<void>;
}) {
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
    <Modal
      title="Save version"
      onClose={onClose}
      footer={
        <>
          <button onClick={onClose}>Cancel</button>
          <button className="primary" disabled={busy} onClick={submit} data-testid="save-version-submit">
            {busy ? 'Saving…' : 'Save version'}
          </button>
        </>
      }
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <Field label="What changed?">
          <input
            autoFocus
            value={message}
            onChange={(e) => setMessage(e.target.value)}
            placeholder="e.g. add a critic before the answer"
            data-testid="version-message"
          />
        </Field>
      </form>
    </Modal>
  );
}

const limitsKey = (workflowId: string) => `axweb.limits.${workflowId}`;

function storedLimits(workflowId: string): Record<string, string> {
  try {
    return JSON.parse(localStorage.getItem(limitsKey(workflowId)) ?? '{}') as Record<string, string>;
  } catch {
    return {};
  }
}

type FieldError = (name: string) => string | undefined;
type Values = Record<string, string>;

const initialValue = (v: unknown) =>
  v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v);

function RunInputs({
  fields,
  values,
  setValues,
  fe,
  start,
}: {
  fields: InputField[];
  values: Values;
  setValues: (v: Values) => void;
  fe: FieldError;
  start: () => void;
}) {
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        start();
      }}
      data-testid="run-form"
    >
      {fields.map((f) => {
        // Rows of controls go in a box: a <label> would forward a click on its text to "+ Add".
        const Wrap = f.type === 'list' || f.type === 'messages' ? FieldBox : Field;
        return (
          <Wrap
            key={f.name}
            label={`${f.label}${f.required ? ' *' : ''}`}
            hint={f.description ?? f.type}
            error={fe(f.name)}
          >
            {f.type === 'bool' || f.type === 'boolean' ? (
              <select
                value={values[f.name]}
                data-testid={`run-input-${f.name}`}
                onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}
              >
                <option value="false">false</option>
                <option value="true">true</option>
              </select>
            ) : f.type === 'text' || f.type === 'string' || f.type === 'any' ? (
              <textarea
                rows={3}
                value={values[f.name]}
                data-testid={`run-input-${f.name}`}
                onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}
              />
            ) : f.type === 'list' || f.type === 'messages' ? (
              <TypedValueInput
                type={f.type}
                value={parseLoose(values[f.name] ?? '')}
                testId={`run-input-${f.name}`}
                onChange={(v) => setValues({ ...values, [f.name]: v === undefined ? '' : JSON.stringify(v) })}
              />
            ) : (
              <input
                className="mono"
                value={values[f.name]}
                data-testid={`run-input-${f.name}`}
                onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}
              />
            )}
          </Wrap>
        );
      })}
    </form>
  );
}

function RunLimits({ limits, setLimits, fe }: { limits: Values; setLimits: (v: Values) => void; fe: FieldError }) {
  const set = Object.values(limits).some((v) => v.trim());
  return (
    <details className="limits" open={set || LIMITS.some((l) => !!fe(`budgets.${l.name}`))}>
      <summary>Limits {set ? '(set)' : '(none: the run may use what it needs)'}</summary>
      <div className="param-grid" data-testid="run-limits">
        {LIMITS.map((l) => (
          <label key={l.name} className="param">
            <span className="object-label">{l.label}</span>
            <input
              type="number"
              min={0}
              step={l.step}
              value={limits[l.name] ?? ''}
              placeholder={l.placeholder ?? 'no limit'}
              data-testid={`run-limit-${l.name}`}
              onChange={(e) => setLimits({ ...limits, [l.name]: e.target.value })}
            />
            {fe(`budgets.${l.name}`) ? (
              <span className="field-error">{fe(`budgets.${l.name}`)}</span>
            ) : (
              <span className="hint param-help">{l.hint}</span>
            )}
          </label>
        ))}
      </div>
      <p className="hint">
        Past a limit the node running fails with <code>budget.exceeded</code> and the run stops.
      </p>
    </details>
  );
}

interface StartRequest {
  workflowId: string;
  fields: InputField[];
  values: Values;
  limits: Values;
  save: boolean;
  saveFirst: () => Promise<boolean>;
  onStarted: (run: Run) => void;
}

/** Start the run (saving a version first if asked); remembers the limits for this workflow's next run. */
function useStartRun() {
  const [error, setError] = useState<ApiError | string | null>(null);
  const [busy, setBusy] = useState(false);
  async function start({ workflowId, fields, values, limits, save, saveFirst, onStarted }: StartRequest) {
    setBusy(true);
    setError(null);
    try {
      const inputs: Record<string, unknown> = {};
      for (const f of fields) inputs[f.name] = coerceInput(f, values[f.name] ?? '');
      const budgets = Object.fromEntries(
        Object.entries(limits)
          .filter(([, v]) => v.trim() !== '')
          .map(([k, v]) => [k, Number(v)]),
      );
      if (save && !(await saveFirst())) return;
      const run = await api.post<Run>('/api/runs/', { workflow: workflowId, version: null, inputs, budgets });
      localStorage.setItem(limitsKey(workflowId), JSON.stringify(limits)); // the next run of this workflow starts with them
      onStarted(run);
    } catch (e) {
      setError(e instanceof ApiError ? e : messageOf(e));
    } finally {
      setBusy(false);
    }
  }
  const fe: FieldError = (n) =>
    error instanceof ApiError ? (error.fields[n] ?? error.fields[`inputs.${n}`])?.[0] : undefined;
  return { error, busy, start, fe };
}

export function RunDialog({
  workflowId,
  graph,
  unsaved,
  onClose,
  onStarted,
  saveFirst,
}: {
  workflowId: string;
  graph: Graph;
  unsaved: boolean;
  onClose: () => void;
  onStarted: (run: Run) => void;
  saveFirst: () => Promise<boolean>;
}) {
  const fields = inputFields(graph);
  const [values, setValues] = useState<Values>(() =>
    Object.fromEntries(fields.map((f) => [f.name, initialValue(f.default)])),
  );
  const [limits, setLimits] = useState<Values>(() => storedLimits(workflowId));
  const [save, setSave] = useState(unsaved);
  const { error, busy, start: startRun, fe } = useStartRun();
  const start = () => void startRun({ workflowId, fields, values, limits, save, saveFirst, onStarted });
  return (
    <Modal
      title="Run workflow"
      onClose={onClose}
      footer={
        <>
          <button onClick={onClose}>Cancel</button>
          <button className="primary" disabled={busy} onClick={start} data-testid="run-submit">
            {busy ? 'Starting…' : '▶ Run'}
          </button>
        </>
      }
    >
      {error && (
        <div className="err-banner" role="alert">
          {typeof error === 'string' ? error : error.message}
        </div>
      )}
      {fields.length === 0 && <p className="hint">This workflow has no input node, so it runs without inputs.</p>}
      <RunInputs fields={fields} values={values} setValues={setValues} fe={fe} start={start} />
      <RunLimits limits={limits} setLimits={setLimits} fe={fe} />
      <label style={{ display: 'flex', gap: 6, alignItems: 'center' }}>
        <input type="checkbox" checked={save} onChange={(e) => setSave(e.target.checked)} />
        Save the canvas as a new version first {unsaved ? '(it has unsaved changes)' : ''}
      </label>
      <p className="hint">A run executes the latest saved version.</p>
    </Modal>
  );
}
