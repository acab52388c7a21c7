/** Typed form widgets: a value typed by a port type (rows for lists, role + text for messages…). */
import { useEffect, useState, type ReactNode } from 'react';
import { JsonInput } from './fields';
import { asMessages, parseLoose, showLoose } from './typedValues';

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
export function RowsInput({
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
export function LooseInput({ value, onChange, testId }: { value: unknown; onChange: OnChange; testId?: string }) {
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
