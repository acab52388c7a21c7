import { useState } from 'react';
import { useStore } from 'zustand';
import type { NodeKind, OnError } from '../api/types';
import { Field } from '../components/common';
import { useEditorApi } from './context';
import { ConnectTo } from './ConnectTo';
import { NewAgentButton } from './NewAgent';
import { asGraph } from './bodies';
import { ConfigField, ModelInput } from './fields';
import type { NodeData } from './graph';
import { nodePorts } from './ports';
import { defaultConfig, fieldsFromSchema, humanize, isMulti, shown, type FieldSpec } from './schemaForm';
import { ToolArgumentsForm } from './toolArguments';
import { FieldBox, TypedValueInput } from './typedForms';

export function PropertyPanel() {
  const store = useEditorApi();
  // Select ids only, so dragging (position changes) does not re-render the panel.
  const selIds = useStore(store, (s) =>
    s.nodes
      .filter((n) => n.selected)
      .map((n) => n.id)
      .join(','),
  );
  const selEdges = useStore(store, (s) =>
    s.edges
      .filter((e) => e.selected)
      .map((e) => e.id)
      .join(','),
  );
  // data keeps its identity while a node is dragged, so the form does not re-render per frame.
  const data = useStore(store, (s) =>
    selIds && !selIds.includes(',') ? s.nodes.find((n) => n.id === selIds)?.data : undefined,
  );
  const kind = useStore(store, (s) => (data ? s.kinds.get(data.kind) : undefined));
  const readOnly = useStore(store, (s) => s.readOnly);

  if (data) return <NodeForm key={selIds} id={selIds} data={data} kind={kind} readOnly={readOnly} />;
  const count = selIds ? selIds.split(',').length : 0;
  const edgeCount = selEdges ? selEdges.split(',').length : 0;
  if (count || edgeCount) {
    return (
      <div data-testid="property-panel">
        <h2>
          {count} node(s), {edgeCount} edge(s) selected
        </h2>
        {!readOnly && (
          <div className="toolbar">
            <button onClick={() => store.getState().duplicateSelection()}>Duplicate</button>
            <button className="danger" onClick={() => store.getState().deleteSelection()}>
              Delete
            </button>
          </div>
        )}
      </div>
    );
  }
  return (
    <div className="hint" data-testid="property-panel">
      Select a node to edit its properties. Drag nodes from the palette; connect ports of matching types (colours show
      the type). Press <span className="kbd">?</span> for shortcuts.
    </div>
  );
}

type SetNode = (patch: Partial<NodeData>, key: string) => void;

function NodeHeader({ id, kind, fallbackTitle }: { id: string; kind: NodeKind | undefined; fallbackTitle: string }) {
  const all = useStore(useEditorApi(), (s) => s.problems.nodes[id]);
  const byField = useStore(useEditorApi(), (s) => s.problems.fields[id]);
  // Problems about one field show under that field; the rest here.
  const inline = new Set(Object.values(byField ?? {}).flat());
  const rest = all?.filter((m) => !inline.has(m));
  const problems = rest?.length ? rest : undefined;
  return (
    <>
      <div style={{ display: 'flex', alignItems: 'center', gap: 8, marginBottom: 8 }}>
        <span style={{ width: 12, height: 12, borderRadius: 3, background: kind?.color ?? '#999' }} />
        <h2 style={{ margin: 0 }}>{kind?.title ?? fallbackTitle}</h2>
        <span className="hint mono">{id}</span>
      </div>
      {kind?.description && (
        <p className="hint" style={{ marginTop: 0 }}>
          {kind.description}
        </p>
      )}
      {problems && (
        <div className="err-banner">
          {problems.map((p, i) => (
            <div key={i}>⚠ {p}</div>
          ))}
        </div>
      )}
    </>
  );
}

/** The type of a node's first output: what its "continue with default" value must be. */
function outputType(id: string, d: NodeData, kind: NodeKind | undefined): string {
  return String(nodePorts({ ...d, id, position: { x: 0, y: 0 } }, kind).outputs[0]?.type ?? 'any');
}

function ErrorHandlingFields({ data: d, set, outType }: { data: NodeData; set: SetNode; outType: string }) {
  return (
    <details>
      <summary className="hint" style={{ cursor: 'pointer', margin: '6px 0' }}>
        Errors, retries, timeout
      </summary>
      <div style={{ display: 'grid', gridTemplateColumns: '1fr 1fr', gap: 8 }}>
        <Field label="Retries">
          <input
            type="number"
            min={0}
            value={d.retry?.count ?? 0}
            onChange={(e) =>
              set({ retry: { backoff_s: d.retry?.backoff_s ?? 1, count: Number(e.target.value) } }, 'retry')
            }
          />
        </Field>
        <Field label="Backoff (s)">
          <input
            type="number"
            min={0}
            step="any"
            value={d.retry?.backoff_s ?? 1}
            onChange={(e) => set({ retry: { count: d.retry?.count ?? 0, backoff_s: Number(e.target.value) } }, 'retry')}
          />
        </Field>
      </div>
      <Field label="Timeout (s)">
        <input
          type="number"
          min={0}
          step="any"
          value={d.timeout_s ?? ''}
          onChange={(e) => set({ timeout_s: e.target.value === '' ? null : Number(e.target.value) }, 'timeout')}
        />
      </Field>
      <Field label="On error">
        <select value={d.on_error ?? 'fail'} onChange={(e) => set({ on_error: e.target.value as OnError }, 'on_error')}>
          <option value="fail">Fail the run</option>
          <option value="continue">Continue with default value</option>
          <option value="error_edge">Follow the error edge</option>
        </select>
      </Field>
      {d.on_error === 'continue' && (
        <FieldBox label={`Default value (${outType})`}>
          <TypedValueInput
            type={outType}
            value={d.default}
            onChange={(v) => set({ default: v ?? null }, 'default')}
            testId="prop-default"
          />
        </FieldBox>
      )}
      <Field label="Fallback model">
        <ModelInput
          value={d.fallback_model}
          onChange={(v) => set({ fallback_model: (v as string) || null }, 'fallback_model')}
        />
      </Field>
    </details>
  );
}

function PortList({ id, data, kind }: { id: string; data: NodeData; kind: NodeKind | undefined }) {
  const ports = nodePorts({ ...data, id, position: { x: 0, y: 0 } }, kind);
  return (
    <>
      <h3>Ports</h3>
      <div className="kv">
        {[...ports.inputs.map((p) => ['in', p] as const), ...ports.outputs.map((p) => ['out', p] as const)].map(
          ([dir, p]) => (
            <div key={`${dir}-${p.name}`} style={{ display: 'contents' }}>
              <span className="k">
                {dir} · {p.name}
              </span>
              <span>
                {p.type}
                {dir === 'in' && p.required ? ' (required)' : ''}
                {dir === 'in' && p.multiple ? ' (many)' : ''}
              </span>
            </div>
          ),
        )}
      </div>
    </>
  );
}

/** A loop's or map's body: its size, and the way in (the body is drawn on the canvas). */
function BodyField({ id, name, value, error }: { id: string; name: string; value: unknown; error?: string }) {
  const store = useEditorApi();
  const body = asGraph(value);
  return (
    <FieldBox label={humanize(name)} error={error}>
      <div className="body-field">
        <span>
          {body.nodes.length} node(s), {body.edges.length} edge(s)
        </span>
        <button
          type="button"
          data-testid={`prop-edit-${name}`}
          onClick={() => store.getState().openBody(id, name, store.getState().readOnly ? 0 : undefined)}
        >
          Edit {name} ▸
        </button>
      </div>
    </FieldBox>
  );
}

interface RowProps {
  id: string;
  f: FieldSpec;
  d: NodeData;
  kind: NodeKind | undefined;
  effective: Record<string, unknown>;
  errors: Record<string, string[]> | undefined;
  setConfig: (name: string, v: unknown) => void;
  created: number; // bumped when an agent is made from the picker, so the picker reloads
  onAgentCreated: (name: string) => void;
}

function ConfigRow({ id, f, d, kind, effective, errors, setConfig, created, onAgentCreated }: RowProps) {
  const error = errors?.[f.name]?.[0];
  const label = f.label + (f.required ? ' *' : '');
  if (f.widget === 'body') return <BodyField id={id} name={f.name} value={d.config[f.name]} error={error} />;
  if (d.kind === 'tool' && f.name === 'arguments')
    return (
      <FieldBox label={label} error={error}>
        <ToolArgumentsForm
          tool={String(d.config.tool ?? '')}
          value={d.config.arguments}
          onChange={(v) => setConfig('arguments', v)}
          serverErrors={errors}
        />
      </FieldBox>
    );
  if (d.kind === 'input' && f.name === 'default') {
    const type = String(effective.type ?? 'any');
    return (
      <FieldBox label={`${label} (${type})`} error={error}>
        <TypedValueInput
          type={type}
          value={d.config.default}
          onChange={(v) => setConfig('default', v)}
          testId="prop-config-default"
        />
      </FieldBox>
    );
  }
  const multi = isMulti(kind?.config_schema?.properties?.[f.name], kind?.config_schema);
  return (
    <Field label={label} hint={f.description} error={error}>
      <ConfigField
        key={`${f.name}-${created}`}
        spec={f}
        value={d.config[f.name]}
        multi={multi}
        onChange={(v) => setConfig(f.name, v)}
        testId={`prop-config-${f.name}`}
        context={effective}
      />
      {f.widget === 'agent' && !multi && <NewAgentButton onCreated={onAgentCreated} />}
    </Field>
  );
}

function ConfigFields({
  id,
  data: d,
  kind,
  setConfig,
}: {
  id: string;
  data: NodeData;
  kind: NodeKind | undefined;
  setConfig: (name: string, v: unknown) => void;
}) {
  const errors = useStore(useEditorApi(), (s) => s.problems.fields[id]);
  const fields = fieldsFromSchema(kind?.config_schema);
  const [created, setCreated] = useState(0);
  const effective = { ...defaultConfig(kind?.config_schema), ...d.config };
  return (
    <>
      {d.kind === 'note' && (
        <Field label="Text">
          <textarea
            rows={6}
            value={String(d.config.text ?? '')}
            onChange={(e) => setConfig('text', e.target.value)}
            data-testid="prop-config-text"
          />
        </Field>
      )}
      {fields
        .filter((f) => !(d.kind === 'note' && f.name === 'text') && shown(f, effective))
        .map((f) => (
          <ConfigRow
            key={f.name}
            id={id}
            f={f}
            d={d}
            kind={kind}
            effective={effective}
            errors={errors}
            setConfig={setConfig}
            created={created}
            onAgentCreated={(name) => {
              setCreated((n) => n + 1); // the picker lists the new agent
              setConfig(f.name, name);
            }}
          />
        ))}
    </>
  );
}

function NodeForm({
  id,
  data: d,
  kind,
  readOnly,
}: {
  id: string;
  data: NodeData;
  kind: NodeKind | undefined;
  readOnly: boolean;
}) {
  const store = useEditorApi();
  const set: SetNode = (patch, key) => store.getState().updateNode(id, patch, `${id}.${key}`);
  const setConfig = (name: string, v: unknown) => {
    const config = { ...d.config };
    if (v === undefined) delete config[name];
    else config[name] = v;
    set({ config }, `config.${name}`);
  };
  return (
    <fieldset disabled={readOnly} style={{ border: 0, padding: 0, margin: 0 }} data-testid="property-panel">
      <NodeHeader id={id} kind={kind} fallbackTitle={d.kind} />
      <Field label="Label">
        <input value={d.label} onChange={(e) => set({ label: e.target.value }, 'label')} data-testid="prop-label" />
      </Field>
      <ConfigFields id={id} data={d} kind={kind} setConfig={setConfig} />
      {d.kind !== 'note' && <ErrorHandlingFields data={d} set={set} outType={outputType(id, d, kind)} />}
      {d.kind !== 'note' && !readOnly && <ConnectTo id={id} />}
      {d.kind !== 'note' && <PortList id={id} data={d} kind={kind} />}
    </fieldset>
  );
}
