/** Form widgets for config fields (generated from a kind's config_schema). */
import { useEffect, useId, useLayoutEffect, useRef, useState } from 'react';
import { catalog, pickerOptions, type AgentParameter, type PickOption } from '../lib/catalog';
import type { FieldSpec } from './schemaForm';
import { newItem, promptVariables, shown } from './schemaForm';
import { optionLabel } from './enumLabels';

type OnChange = (v: unknown) => void;

/** `value` if it is a plain object, else an empty one. */
export function asObject(value: unknown): Record<string, unknown> {
  return (value && typeof value === 'object' && !Array.isArray(value) ? value : {}) as Record<string, unknown>;
}

/** `obj` with `key` set to `v`, or without `key` when `v` is empty (undefined, null, '', false, []). */
export function withValue(obj: Record<string, unknown>, key: string, v: unknown): Record<string, unknown> {
  const next = { ...obj };
  if (v === undefined || v === null || v === '' || v === false || (Array.isArray(v) && v.length === 0))
    delete next[key];
  else next[key] = v;
  return next;
}

export function PromptInput({
  value,
  onChange,
  testId,
}: {
  value: string;
  onChange: (v: string) => void;
  testId?: string;
}) {
  const hl = useRef<HTMLDivElement>(null);
  const parts = value.split(/(\{\{\s*[\w.-]+\s*\}\})/g);
  const vars = promptVariables(value);
  return (
    <div>
      <div className="prompt-box">
        <div className="under" />
        <div className="prompt-hl" ref={hl} aria-hidden>
          {parts.map((p, i) => (i % 2 ? <mark key={i}>{p}</mark> : <span key={i}>{p}</span>))}
          {'\n'}
        </div>
        <textarea
          rows={6}
          value={value}
          data-testid={testId}
          onChange={(e) => onChange(e.target.value)}
          onScroll={(e) => {
            if (hl.current) hl.current.scrollTop = e.currentTarget.scrollTop;
          }}
        />
      </div>
      {vars.length > 0 && (
        <div className="vars prompt-box">
          {vars.map((v) => (
            <span key={v} className="var-chip">{`{{${v}}}`}</span>
          ))}
        </div>
      )}
    </div>
  );
}

export function JsonInput({ value, onChange, testId }: { value: unknown; onChange: OnChange; testId?: string }) {
  const pretty = value === undefined ? '' : JSON.stringify(value, null, 2);
  const [text, setText] = useState(pretty);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => setText(pretty), [pretty]);
  return (
    <>
      <textarea
        className="mono"
        rows={4}
        value={text}
        data-testid={testId}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => {
          if (!text.trim()) {
            setErr(null);
            onChange(undefined);
            return;
          }
          try {
            onChange(JSON.parse(text));
            setErr(null);
          } catch (e) {
            setErr(`Not valid JSON: ${(e as Error).message}`);
          }
        }}
      />
      {err && <div className="field-error">{err}</div>}
    </>
  );
}

export function usePicker(kind: string): PickOption[] | null {
  const [opts, setOpts] = useState<PickOption[] | null>(null);
  useEffect(() => {
    let live = true;
    pickerOptions(kind)
      .then((o) => live && setOpts(o))
      .catch(() => live && setOpts([]));
    return () => {
      live = false;
    };
  }, [kind]);
  return opts;
}

/** A model reference: free text (any "provider:name") with the registered models suggested. */
export function ModelInput({ value, onChange, testId }: { value: unknown; onChange: OnChange; testId?: string }) {
  const opts = usePicker('model');
  const id = useId();
  return (
    <>
      <input
        className="mono"
        list={id}
        value={value === undefined || value === null ? '' : String(value)}
        data-testid={testId}
        placeholder="provider:name, e.g. builtin:smollm2-135m"
        onChange={(e) => onChange(e.target.value || null)}
      />
      <datalist id={id}>
        {opts?.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </datalist>
    </>
  );
}

export function Picker({
  kind,
  value,
  onChange,
  multi,
  testId,
  exclude,
}: {
  kind: string;
  value: unknown;
  onChange: OnChange;
  multi?: boolean;
  testId?: string;
  /** Values not to offer (e.g. an agent as its own delegate). */
  exclude?: string[];
}) {
  const all = usePicker(kind);
  const opts = all && exclude?.length ? all.filter((o) => !exclude.includes(o.value)) : all;
  if (multi) {
    const chosen = new Set((Array.isArray(value) ? value : []).map(String));
    return (
      <div
        data-testid={testId}
        style={{ maxHeight: 140, overflow: 'auto', border: '1px solid var(--border)', borderRadius: 6, padding: 6 }}
      >
        {opts === null && <span className="hint">Loading…</span>}
        {opts?.length === 0 && <span className="hint">None available.</span>}
        {opts?.map((o) => (
          <label key={o.value} style={{ display: 'flex', gap: 6, alignItems: 'center' }}>
            <input
              type="checkbox"
              checked={chosen.has(o.value)}
              onChange={(e) => {
                const next = new Set(chosen);
                if (e.target.checked) next.add(o.value);
                else next.delete(o.value);
                onChange([...next]);
              }}
            />
            {o.label}
          </label>
        ))}
      </div>
    );
  }
  const v = value === undefined || value === null ? '' : String(value);
  return (
    <select value={v} onChange={(e) => onChange(e.target.value || null)} data-testid={testId}>
      <option value="">{opts === null ? 'Loading…' : `— choose ${kind} —`}</option>
      {v && opts && !opts.some((o) => o.value === v) && <option value={v}>{v}</option>}
      {opts?.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </select>
  );
}

function NumberInput({
  integer,
  value,
  onChange,
  testId,
}: {
  integer: boolean;
  value: string;
  onChange: OnChange;
  testId?: string;
}) {
  return (
    <input
      type="number"
      step={integer ? 1 : 'any'}
      value={value}
      data-testid={testId}
      onChange={(e) =>
        onChange(e.target.value === '' ? undefined : integer ? parseInt(e.target.value, 10) : Number(e.target.value))
      }
    />
  );
}

function SelectInput({
  spec,
  value,
  onChange,
  testId,
}: {
  spec: FieldSpec;
  value: string;
  onChange: OnChange;
  testId?: string;
}) {
  return (
    <select
      value={value}
      onChange={(e) => onChange(spec.options?.find((o) => String(o) === e.target.value) ?? e.target.value)}
      data-testid={testId}
    >
      {!spec.required && <option value="">—</option>}
      {spec.options?.map((o) => (
        <option key={String(o)} value={String(o)}>
          {optionLabel(spec.name, o)}
        </option>
      ))}
    </select>
  );
}

export function ConfigField({
  spec,
  value,
  onChange,
  multi,
  testId,
  context,
}: {
  spec: FieldSpec;
  value: unknown;
  onChange: OnChange;
  multi?: boolean;
  testId?: string;
  /** The node's effective config, for fields of list items that apply only in some modes. */
  context?: Record<string, unknown>;
}) {
  const str = value === undefined || value === null ? '' : String(value);
  switch (spec.widget) {
    case 'prompt':
      return <PromptInput value={str} onChange={onChange} testId={testId} />;
    case 'textarea':
      return <textarea value={str} onChange={(e) => onChange(e.target.value)} data-testid={testId} />;
    case 'expression':
      return (
        <input
          className="mono"
          value={str}
          placeholder="e.g. len(input) > 3"
          onChange={(e) => onChange(e.target.value)}
          data-testid={testId}
        />
      );
    case 'number':
    case 'integer':
      return <NumberInput integer={spec.widget === 'integer'} value={str} onChange={onChange} testId={testId} />;
    case 'checkbox':
      return (
        <input type="checkbox" checked={!!value} onChange={(e) => onChange(e.target.checked)} data-testid={testId} />
      );
    case 'select':
      // An unset choice shows the default it runs with (the router's mode is "rule" until changed).
      return (
        <SelectInput
          spec={spec}
          value={str || (spec.default == null ? '' : String(spec.default))}
          onChange={onChange}
          testId={testId}
        />
      );
    case 'list':
      return <ListInput value={value} onChange={onChange} testId={testId} />;
    case 'model':
      if (!multi) return <ModelInput value={value} onChange={onChange} testId={testId} />;
      return <Picker kind="model" value={value} onChange={onChange} multi testId={testId} />;
    case 'agent':
    case 'tool':
    case 'workflow':
      return <Picker kind={spec.widget} value={value} onChange={onChange} multi={multi} testId={testId} />;
    case 'objects':
      return <ObjectListInput spec={spec} value={value} onChange={onChange} testId={testId} context={context ?? {}} />;
    case 'json':
      return <JsonInput value={value} onChange={onChange} testId={testId} />;
    default:
      return <input value={str} onChange={(e) => onChange(e.target.value)} data-testid={testId} />;
  }
}

function ListInput({ value, onChange, testId }: { value: unknown; onChange: OnChange; testId?: string }) {
  const joined = Array.isArray(value) ? value.join('\n') : '';
  const [text, setText] = useState(joined);
  useEffect(() => setText(joined), [joined]);
  return (
    <textarea
      rows={3}
      value={text}
      placeholder="one per line"
      data-testid={testId}
      onChange={(e) => setText(e.target.value)}
      onBlur={() =>
        onChange(
          text
            .split('\n')
            .map((s) => s.trim())
            .filter(Boolean),
        )
      }
    />
  );
}

function swapped<T>(list: T[], i: number, by: number): T[] {
  const next = [...list];
  [next[i], next[i + by]] = [next[i + by], next[i]];
  return next;
}

/** Move up / move down / remove for one row of an ordered list. */
function RowButtons({
  index,
  count,
  onMove,
  onRemove,
  testId,
}: {
  index: number;
  count: number;
  onMove: (i: number, by: number) => void;
  onRemove: () => void;
  testId: string;
}) {
  return (
    <>
      <button
        type="button"
        className="icon-btn"
        title="Move up"
        disabled={index === 0}
        onClick={() => onMove(index, -1)}
      >
        ↑
      </button>
      <button
        type="button"
        className="icon-btn"
        title="Move down"
        disabled={index === count - 1}
        onClick={() => onMove(index, 1)}
      >
        ↓
      </button>
      <button
        type="button"
        className="icon-btn danger"
        title="Remove"
        data-testid={`${testId}-remove`}
        onClick={onRemove}
      >
        ✕
      </button>
    </>
  );
}

/** An array of objects (e.g. a router's routes): one small form per item, add/remove/reorder. */
function ObjectListInput({
  spec,
  value,
  onChange,
  testId,
  context,
}: {
  spec: FieldSpec;
  value: unknown;
  onChange: OnChange;
  testId?: string;
  context: Record<string, unknown>;
}) {
  const items = (Array.isArray(value) ? value : []) as Record<string, unknown>[];
  const fields = spec.itemFields ?? [];
  const visible = fields.filter((f) => shown(f, context));
  const replace = (i: number, item: Record<string, unknown> | null) =>
    onChange(item === null ? items.filter((_, j) => j !== i) : items.map((old, j) => (j === i ? item : old)));
  const move = (i: number, by: number) => onChange(swapped(items, i, by));
  return (
    <div className="object-list" data-testid={testId}>
      {items.length === 0 && <div className="hint">None yet.</div>}
      {items.map((item, i) => (
        <div className="object-item" key={i} data-testid={`${testId}-${i}`}>
          <div className="object-item-head">
            <span className="hint">#{i + 1}</span>
            <span style={{ flex: 1 }} />
            <RowButtons
              index={i}
              count={items.length}
              onMove={move}
              onRemove={() => replace(i, null)}
              testId={`${testId}-${i}`}
            />
          </div>
          {visible.map((f) => (
            <label className="object-field" key={f.name} title={f.description}>
              <span className="object-label">
                {f.label}
                {f.required ? ' *' : ''}
              </span>
              <ConfigField
                spec={f}
                value={item[f.name]}
                testId={`${testId}-${i}-${f.name}`}
                onChange={(v) => {
                  const next = { ...item };
                  if (v === undefined || v === null || v === '') delete next[f.name];
                  else next[f.name] = v;
                  if (f.required && next[f.name] === undefined) next[f.name] = '';
                  replace(i, next);
                }}
              />
            </label>
          ))}
        </div>
      ))}
      <button
        type="button"
        data-testid={`${testId}-add`}
        onClick={() => onChange([...items, newItem(fields, items, spec.name)])}
      >
        + Add {spec.name.endsWith('s') ? spec.name.slice(0, -1) : 'item'}
      </button>
    </div>
  );
}

/** An ordered list of model references (an agent's fallback chain): one picker per row. */
export function ModelListInput({ value, onChange, testId }: { value: unknown; onChange: OnChange; testId?: string }) {
  const refs = (Array.isArray(value) ? value : []).map(String);
  const move = (i: number, by: number) => onChange(swapped(refs, i, by));
  return (
    <div className="object-list" data-testid={testId}>
      {refs.length === 0 && <div className="hint">No fallback: a failing model fails the node.</div>}
      {refs.map((ref, i) => (
        <div className="list-row" key={i}>
          <span className="hint">{i + 1}.</span>
          <div style={{ flex: 1 }}>
            <ModelInput
              value={ref}
              testId={`${testId}-${i}`}
              onChange={(v) => onChange(refs.map((old, j) => (j === i ? String(v ?? '') : old)))}
            />
          </div>
          <RowButtons
            index={i}
            count={refs.length}
            onMove={move}
            onRemove={() => onChange(refs.filter((_, j) => j !== i))}
            testId={`${testId}-${i}`}
          />
        </div>
      ))}
      <button type="button" data-testid={`${testId}-add`} onClick={() => onChange([...refs, ''])}>
        + Add fallback model
      </button>
    </div>
  );
}

/** An agent's parameters as a form built from GET /api/agents/parameters/; empty fields are left out. */
export function ParametersInput({
  value,
  onChange,
  testId,
  agentName,
}: {
  value: unknown;
  onChange: OnChange;
  testId?: string;
  /** The agent being edited: not offered as its own delegate. */
  agentName?: string;
}) {
  const [specs, setSpecs] = useState<AgentParameter[] | null>(null);
  useEffect(() => {
    let live = true;
    catalog
      .agentParameters()
      .then((s) => live && setSpecs(s))
      .catch(() => live && setSpecs([]));
    return () => {
      live = false;
    };
  }, []);
  const params = asObject(value);
  const put = (name: string, v: unknown) => onChange(withValue(params, name, v));
  if (specs === null) return <div className="hint">Loading…</div>;
  return (
    <div className="param-grid" data-testid={testId}>
      {specs.map((p) => (
        <label key={p.name} className={`param param-${p.kind}`} title={p.help}>
          <span className="object-label">{p.label}</span>
          <ParameterInput
            spec={p}
            value={params[p.name]}
            onChange={(v) => put(p.name, v)}
            testId={`${testId}-${p.name}`}
            agentName={agentName}
          />
          <span className="hint param-help">{p.help}</span>
        </label>
      ))}
    </div>
  );
}

function ParameterInput({
  spec,
  value,
  onChange,
  testId,
  agentName,
}: {
  spec: AgentParameter;
  value: unknown;
  onChange: OnChange;
  testId: string;
  agentName?: string;
}) {
  switch (spec.kind) {
    case 'number':
    case 'integer': {
      const range = spec.minimum !== null && spec.maximum !== null ? `${spec.minimum}–${spec.maximum}` : '';
      const placeholder =
        spec.default !== null && spec.default !== undefined ? `default ${String(spec.default)}` : range;
      return (
        <input
          type="number"
          step={spec.kind === 'integer' ? 1 : 'any'}
          min={spec.minimum ?? undefined}
          max={spec.maximum ?? undefined}
          value={value === undefined || value === null ? '' : String(value)}
          placeholder={placeholder}
          data-testid={testId}
          onChange={(e) => onChange(e.target.value === '' ? undefined : Number(e.target.value))}
        />
      );
    }
    case 'boolean':
      return (
        <input
          type="checkbox"
          checked={value === true}
          onChange={(e) => onChange(e.target.checked)}
          data-testid={testId}
        />
      );
    case 'strings':
      return <ListInput value={value} onChange={onChange} testId={testId} />;
    case 'agents':
      return (
        <Picker
          kind="agent"
          value={value}
          onChange={onChange}
          multi
          testId={testId}
          exclude={agentName ? [agentName] : []}
        />
      );
    default:
      return null;
  }
}

/** Source code: monospace, Tab indents with four spaces instead of leaving the field. */
export function CodeInput({
  value,
  onChange,
  testId,
}: {
  value: string;
  onChange: (v: string) => void;
  testId?: string;
}) {
  const field = useRef<HTMLTextAreaElement>(null);
  const caret = useRef<number | null>(null);
  // The caret goes after the inserted spaces in the same commit that shows them: a key typed
  // right after Tab (a fast typist, a loaded machine) must land there, not a frame earlier.
  useLayoutEffect(() => {
    if (caret.current === null || !field.current) return;
    field.current.selectionStart = field.current.selectionEnd = caret.current;
    caret.current = null;
  }, [value]);
  return (
    <textarea
      ref={field}
      className="mono code-input"
      rows={10}
      spellCheck={false}
      value={value}
      data-testid={testId}
      onChange={(e) => onChange(e.target.value)}
      onKeyDown={(e) => {
        if (e.key !== 'Tab' || e.shiftKey) return;
        e.preventDefault();
        const { selectionStart: start, selectionEnd: end } = e.currentTarget;
        caret.current = start + 4;
        onChange(`${value.slice(0, start)}    ${value.slice(end)}`);
      }}
    />
  );
}
