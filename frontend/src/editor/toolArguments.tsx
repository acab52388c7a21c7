/** A tool node's arguments as a form generated from the chosen tool's JSON schema. */
import { useEffect, useState } from 'react';
import type { CatalogTool, JsonSchema } from '../api/types';
import { catalog } from '../lib/catalog';
import { JsonInput } from './fields';
import { KeyValueInput, LooseInput, RowsInput, TypedValueInput } from './typedForms';
import { argumentFields, argumentProblems, isExpression, showLoose, type ArgField } from './typedValues';

type OnChange = (v: unknown) => void;

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
