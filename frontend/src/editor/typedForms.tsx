/** Typed form widgets: a value typed by a port type, and a tool's arguments as a form from its schema. */
import { useEffect, useState, type ReactNode } from 'react';
import type { CatalogTool, JsonSchema } from '../api/types';
import { catalog } from '../lib/catalog';
import { JsonInput } from './fields';
import {
  argumentFields,
  argumentProblems,
  asMessages,
  isExpression,
  parseLoose,
  showLoose,
  type ArgField,
} from './typedValues';

type OnChange = (v: unknown) => void;

/** A field holding several controls: a box, not a <label> (a label forwards clicks to its first control). */
export function FieldBox({
  label,
  error,
  hint,
  children,
}: {
  label: string;
  error?: string;
  hint?: ReactNode;
  children: ReactNode;
}) {
  return (
    <div className="field" role="group" aria-label={label}>
      <span className="lbl">{label}</span>
      {children}
      {hint && <div className="hint">{hint}</div>}
      {error && <div className="field-error">{error}</div>}
    </div>
  );
}

/** Text rows, one value each (a `numbers` list keeps numbers). */
function RowsInput({
  value,
  onChange,
  numbers,
  testId,
}: {
  value: unknown;
  onChange: OnChange;
  numbers?: boolean;
  testId?: string;
}) {
  const rows = (Array.isArray(value) ? value : []).map((v) => showLoose(v));
  const put = (next: string[]) => onChange(numbers ? next.map(Number) : next);
  return (
    <div className="object-list" data-testid={testId}>
      {rows.map((r, i) => (
        <div className="list-row" key={i}>
          <input
            type={numbers ? 'number' : 'text'}
            value={r}
            aria-label={`Item ${i + 1}`}
            data-testid={`${testId}-${i}`}
            onChange={(e) => put(rows.map((o, j) => (j === i ? e.target.value : o)))}
          />
          <button
            type="button"
            className="icon-btn danger"
            title="Remove"
            onClick={() => put(rows.filter((_, j) => j !== i))}
          >
            ✕
          </button>
        </div>
      ))}
      <button type="button" data-testid={`${testId}-add`} onClick={() => put([...rows, ''])}>
        + Add item
      </button>
    </div>
  );
}

/** A map of names to text (HTTP headers): one name and one value per row. */
export function KeyValueInput({ value, onChange, testId }: { value: unknown; onChange: OnChange; testId?: string }) {
  const entries = Object.entries(value && typeof value === 'object' && !Array.isArray(value) ? value : {}).map(
    ([k, v]) => [k, showLoose(v)] as [string, string],
  );
  const [rows, setRows] = useState(entries);
  const put = (next: [string, string][]) => {
    setRows(next);
    const obj = Object.fromEntries(next.filter(([k]) => k.trim()));
    onChange(Object.keys(obj).length ? obj : undefined);
  };
  return (
    <div className="object-list" data-testid={testId}>
      {rows.map(([k, v], i) => (
        <div className="list-row" key={i}>
          <input
            value={k}
            placeholder="name"
            aria-label={`Name ${i + 1}`}
            data-testid={`${testId}-${i}-key`}
            onChange={(e) => put(rows.map((r, j) => (j === i ? [e.target.value, r[1]] : r)))}
          />
          <input
            value={v}
            placeholder="value"
            aria-label={`Value ${i + 1}`}
            data-testid={`${testId}-${i}-value`}
            onChange={(e) => put(rows.map((r, j) => (j === i ? [r[0], e.target.value] : r)))}
          />
          <button
            type="button"
            className="icon-btn danger"
            title="Remove"
            onClick={() => put(rows.filter((_, j) => j !== i))}
          >
            ✕
          </button>
        </div>
      ))}
      <button type="button" data-testid={`${testId}-add`} onClick={() => setRows([...rows, ['', '']])}>
        + Add
      </button>
    </div>
  );
}

/** A chat history: one role and one text per message. */
function MessagesInput({ value, onChange, testId }: { value: unknown; onChange: OnChange; testId?: string }) {
  const msgs = asMessages(value);
  const put = (i: number, patch: Partial<{ role: string; content: string }>) =>
    onChange(msgs.map((m, j) => (j === i ? { ...m, ...patch } : m)));
  return (
    <div className="object-list" data-testid={testId}>
      {msgs.map((m, i) => (
        <div className="list-row" key={i}>
          <select
            value={m.role}
            aria-label={`Role of message ${i + 1}`}
            onChange={(e) => put(i, { role: e.target.value })}
          >
            <option value="system">system</option>
            <option value="user">user</option>
            <option value="assistant">assistant</option>
          </select>
          <input
            value={m.content}
            aria-label={`Text of message ${i + 1}`}
            onChange={(e) => put(i, { content: e.target.value })}
          />
          <button
            type="button"
            className="icon-btn danger"
            title="Remove"
            onClick={() => onChange(msgs.filter((_, j) => j !== i))}
          >
            ✕
          </button>
        </div>
      ))}
      <button type="button" onClick={() => onChange([...msgs, { role: 'user', content: '' }])}>
        + Add message
      </button>
    </div>
  );
}

/** Free text that reads JSON when it is JSON (`42`, `true`, `[1, 2]`), else keeps the text. */
function LooseInput({ value, onChange, testId }: { value: unknown; onChange: OnChange; testId?: string }) {
  const [text, setText] = useState(showLoose(value));
  useEffect(() => setText(showLoose(value)), [value]);
  return (
    <input
      value={text}
      data-testid={testId}
      placeholder="text, a number, true/false or JSON"
      onChange={(e) => setText(e.target.value)}
      onBlur={() => onChange(parseLoose(text))}
    />
  );
}

/** A value typed by a port type (text, bool, list, messages, json, any). */
export function TypedValueInput({
  type,
  value,
  onChange,
  testId,
}: {
  type: string;
  value: unknown;
  onChange: OnChange;
  testId?: string;
}) {
  switch (type) {
    case 'text':
      return (
        <textarea rows={2} value={showLoose(value)} data-testid={testId} onChange={(e) => onChange(e.target.value)} />
      );
    case 'bool':
      return (
        <select
          value={value === true ? 'true' : value === false ? 'false' : ''}
          data-testid={testId}
          onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value === 'true')}
        >
          <option value="">— none —</option>
          <option value="true">true</option>
          <option value="false">false</option>
        </select>
      );
    case 'list':
      return <RowsInput value={value} onChange={onChange} testId={testId} />;
    case 'messages':
      return <MessagesInput value={value} onChange={onChange} testId={testId} />;
    case 'json':
      return <JsonInput value={value} onChange={onChange} testId={testId} />;
    default:
      return <LooseInput value={value} onChange={onChange} testId={testId} />;
  }
}

function ArgumentWidget({
  f,
  value,
  onChange,
  testId,
}: {
  f: ArgField;
  value: unknown;
  onChange: OnChange;
  testId: string;
}) {
  if (f.options)
    return (
      <select value={showLoose(value)} data-testid={testId} onChange={(e) => onChange(e.target.value || undefined)}>
        <option value="">— choose —</option>
        {f.options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    );
  switch (f.type) {
    case 'string':
      return (
        <input
          value={showLoose(value)}
          placeholder="text, or {{in}} / {{in.key}}"
          data-testid={testId}
          onChange={(e) => onChange(e.target.value)}
        />
      );
    case 'number':
    case 'integer':
      return (
        <input
          type="number"
          step={f.type === 'integer' ? 1 : 'any'}
          min={f.minimum}
          max={f.maximum}
          value={typeof value === 'number' ? value : ''}
          data-testid={testId}
          onChange={(e) => onChange(e.target.value === '' ? undefined : Number(e.target.value))}
        />
      );
    case 'boolean':
      return <TypedValueInput type="bool" value={value} onChange={onChange} testId={testId} />;
    case 'strings':
    case 'numbers':
      return <RowsInput value={value} onChange={onChange} numbers={f.type === 'numbers'} testId={testId} />;
    case 'stringMap':
      return <KeyValueInput value={value} onChange={onChange} testId={testId} />;
    case 'object':
      return <JsonInput value={value} onChange={onChange} testId={testId} />;
    default:
      return <LooseInput value={value} onChange={onChange} testId={testId} />;
  }
}

/** One argument: its typed widget, or (ƒx) an expression rendered from the node's input. */
function ArgumentRow({
  f,
  value,
  error,
  onChange,
  testId,
}: {
  f: ArgField;
  value: unknown;
  error?: string;
  onChange: OnChange;
  testId: string;
}) {
  const [expr, setExpr] = useState(isExpression(value) && f.type !== 'string');
  return (
    <div className="field arg-field" data-testid={`${testId}-row`}>
      <div className="arg-head">
        <span className="lbl">
          {f.label}
          {f.required ? ' *' : ''} <span className="hint mono">{f.type}</span>
        </span>
        {f.type !== 'string' && (
          <button
            type="button"
            className={`small ghost${expr ? ' on' : ''}`}
            aria-pressed={expr}
            title="Take this argument from the node's input with {{in}} / {{in.key}}"
            data-testid={`${testId}-fx`}
            onClick={() => {
              setExpr(!expr);
              onChange(undefined);
            }}
          >
            ƒx
          </button>
        )}
      </div>
      {expr ? (
        <input
          className="mono"
          value={showLoose(value)}
          placeholder="{{in}} or {{in.key}}"
          data-testid={testId}
          onChange={(e) => onChange(e.target.value)}
        />
      ) : (
        <ArgumentWidget f={f} value={value} onChange={onChange} testId={testId} />
      )}
      {f.description && <div className="hint">{f.description}</div>}
      {error && (
        <div className="field-error" data-testid={`${testId}-error`}>
          {error}
        </div>
      )}
    </div>
  );
}

function useToolSchema(tool: string): JsonSchema | null | undefined {
  const [tools, setTools] = useState<CatalogTool[] | null>(null);
  useEffect(() => {
    let live = true;
    catalog
      .tools()
      .then((t) => live && setTools(t))
      .catch(() => live && setTools([]));
    return () => {
      live = false;
    };
  }, []);
  if (tools === null) return undefined;
  const found = tools.find((t) => t.name === tool);
  return found ? (found.input_schema as JsonSchema) : null;
}

/** A tool node's arguments as a form generated from the chosen tool's input schema. */
export function ToolArgumentsForm({
  tool,
  value,
  onChange,
  serverErrors,
}: {
  tool: string;
  value: unknown;
  onChange: OnChange;
  serverErrors?: Record<string, string[]>;
}) {
  const schema = useToolSchema(tool);
  const args = (value && typeof value === 'object' && !Array.isArray(value) ? value : {}) as Record<string, unknown>;
  if (!tool) return <div className="hint">Choose a tool first: its arguments show here.</div>;
  if (schema === undefined) return <div className="hint">Loading the tool's arguments…</div>;
  const fields = argumentFields(schema ?? undefined);
  if (!schema || !fields.length)
    return <JsonInput value={value} onChange={(v) => onChange(v ?? {})} testId="prop-config-arguments" />;
  const problems = argumentProblems(schema, args);
  const put = (name: string, v: unknown) => {
    const next = { ...args };
    if (v === undefined || v === '') delete next[name];
    else next[name] = v;
    onChange(next);
  };
  const extra = Object.keys(args).filter((k) => !fields.some((f) => f.name === k));
  return (
    <div className="arg-form" data-testid="tool-arguments">
      {fields.map((f) => (
        <ArgumentRow
          key={`${tool}.${f.name}`}
          f={f}
          value={args[f.name]}
          error={problems[f.name] ?? serverErrors?.[`arguments.${f.name}`]?.[0]}
          onChange={(v) => put(f.name, v)}
          testId={`arg-${f.name}`}
        />
      ))}
      {extra.map((k) => (
        <div key={k} className="field-error">
          {problems[k] ?? `Extra argument “${k}”.`}{' '}
          <button type="button" className="small" onClick={() => put(k, undefined)}>
            Remove
          </button>
        </div>
      ))}
    </div>
  );
}
