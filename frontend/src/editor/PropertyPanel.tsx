import { useState } from 'react';
import { useStore } from 'zustand';
import type { NodeKind, OnError } from '../api/types';
import { Field } from '../components/common';
import { useEditorApi } from './context';
import { ConnectTo } from './ConnectTo';
import { NewAgentButton } from './NewAgent';
import { ConfigField, JsonInput, ModelInput } from './fields';
import type { NodeData } from './graph';
import { nodePorts } from './ports';
import { defaultConfig, fieldsFromSchema, isMulti, shown } from './schemaForm';

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
  const problems = useStore(useEditorApi(), (s) => s.problems.nodes[id]);
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

function ErrorHandlingFields({ data: d, set }: { data: NodeData; set: SetNode }) {
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
        <Field label="Default value (JSON)">
          <JsonInput value={d.default} onChange={(v) => set({ default: v ?? null }, 'default')} />
        </Field>
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

function ConfigFields({
  data: d,
  kind,
  setConfig,
}: {
  data: NodeData;
  kind: NodeKind | undefined;
  setConfig: (name: string, v: unknown) => void;
}) {
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
          <Field key={f.name} label={f.label + (f.required ? ' *' : '')} hint={f.description}>
            <ConfigField
              key={`${f.name}-${created}`}
              spec={f}
              value={d.config[f.name]}
              multi={isMulti(kind?.config_schema?.properties?.[f.name], kind?.config_schema)}
              onChange={(v) => setConfig(f.name, v)}
              testId={`prop-config-${f.name}`}
              context={effective}
            />
            {f.widget === 'agent' && !isMulti(kind?.config_schema?.properties?.[f.name], kind?.config_schema) && (
              <NewAgentButton
                onCreated={(name) => {
                  setCreated((n) => n + 1); // the picker lists the new agent
                  setConfig(f.name, name);
                }}
              />
            )}
          </Field>
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
      <ConfigFields data={d} kind={kind} setConfig={setConfig} />
      {d.kind !== 'note' && <ErrorHandlingFields data={d} set={set} />}
      {d.kind !== 'note' && !readOnly && <ConnectTo id={id} />}
      {d.kind !== 'note' && <PortList id={id} data={d} kind={kind} />}
    </fieldset>
  );
}
