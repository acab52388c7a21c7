import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, api, messageOf, qs, type Page } from '../api/client';
import { ErrorBanner, Field, ListSkeleton, Modal, useLoad } from '../components/common';
import {
  asObject,
  CodeInput,
  JsonInput,
  ModelInput,
  ModelListInput,
  ParametersInput,
  Picker,
  PromptInput,
  usePicker,
  withValue,
} from '../editor/fields';
import { KeyValueInput } from '../editor/typedForms';
import { invalidate } from '../lib/catalog';
import { toast, useAuth } from '../lib/ui';
import { KnowledgeTools } from './Knowledge';
import { McpToolConfig } from './McpToolConfig';
import { RESOURCES, type FieldDef, type ResourceDef } from './resources';

export type Item = Record<string, unknown> & { id: number | string };

function useItems(def: ResourceDef, search: string) {
  const [items, setItems] = useState<Item[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(async () => {
    try {
      setItems((await api.get<Page<Item>>(`${def.url}${qs({ search, page_size: 200 })}`)).results);
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [def.url, search]);
  useLoad(load, 150);
  return { items, error, load };
}

function ItemTable({
  resource,
  def,
  items,
  canEdit,
  onEdit,
  onChanged,
}: {
  resource: string;
  def: ResourceDef;
  items: Item[];
  canEdit: boolean;
  onEdit: (item: Item) => void;
  onChanged: () => Promise<void>;
}) {
  const remove = async (item: Item) => {
    if (!confirm(`Delete this ${def.singular}?`)) return;
    try {
      await api.del(`${def.url}${item.id}/`);
      invalidate(resource);
      toast('Deleted', 'ok');
      await onChanged();
    } catch (e) {
      toast(messageOf(e), 'error');
    }
  };
  return (
    <table className="list">
      <thead>
        <tr>
          {def.columns.map((c) => (
            <th key={c.label}>{c.label}</th>
          ))}
          <th />
        </tr>
      </thead>
      <tbody>
        {items.map((it) => (
          <tr key={String(it.id)} data-testid={`item-${it.id}`}>
            {def.columns.map((c) => (
              <td key={c.label}>{c.render(it)}</td>
            ))}
            <td style={{ textAlign: 'right' }}>
              <div className="toolbar" style={{ justifyContent: 'flex-end' }}>
                {resource === 'knowledge' && <KnowledgeTools collection={it} onChanged={onChanged} />}
                {canEdit && (
                  <button className="small" onClick={() => onEdit(it)}>
                    Edit
                  </button>
                )}
                {canEdit && (
                  <button className="small danger" onClick={() => remove(it)}>
                    Delete
                  </button>
                )}
              </div>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function LibraryPage({ resource }: { resource: string }) {
  const def = RESOURCES[resource];
  const [search, setSearch] = useState('');
  const { items, error, load } = useItems(def, search);
  const [editing, setEditing] = useState<Item | 'new' | null>(null);
  const isStaff = useAuth((s) => !!s.user?.is_staff);
  const canEdit = !def.staffOnly || isStaff;

  return (
    <div className="page" data-testid={`library-${resource}`}>
      <div className="page-head">
        <h1>{def.title}</h1>
        <div className="spacer" />
        <input
          aria-label={`Search ${def.title.toLowerCase()}`}
          placeholder={`Search ${def.title.toLowerCase()}…`}
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          style={{ width: 220 }}
        />
        {canEdit && (
          <button className="primary" onClick={() => setEditing('new')} data-testid="new-item">
            + New {def.singular}
          </button>
        )}
      </div>
      <p className="hint" style={{ marginTop: -8 }}>
        {def.blurb}
        {canEdit ? '' : ' Only staff can change this list.'}
      </p>
      <ErrorBanner error={error} />
      {!items && !error && <ListSkeleton columns={def.columns.length + 1} />}
      {items?.length === 0 && <div className="card empty">No {def.title.toLowerCase()} yet.</div>}
      {!!items?.length && (
        <ItemTable resource={resource} def={def} items={items} canEdit={canEdit} onEdit={setEditing} onChanged={load} />
      )}
      {editing && (
        <ItemForm
          def={def}
          item={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            invalidate(resource);
            void load();
          }}
        />
      )}
    </div>
  );
}

/** Focus the first field the server refused, so the message is seen where the fix goes. */
function useFocusFirstError(error: ApiError | null) {
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    const label = form.current?.querySelector('.field-error')?.closest('label');
    const input = label?.querySelector<HTMLElement>('input, select, textarea, button');
    input?.focus();
    label?.scrollIntoView({ block: 'center' });
  }, [error]);
  return form;
}

export function ItemForm({
  def,
  item,
  onClose,
  onSaved,
}: {
  def: ResourceDef;
  item: Item | null;
  onClose: () => void;
  onSaved: (saved: Item) => void;
}) {
  const [values, setValues] = useState<Record<string, unknown>>(() => ({ ...def.blank, ...(item ?? {}), secret: '' }));
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const form = useFocusFirstError(error);
  const set = (name: string, v: unknown) => {
    setValues((s) => ({ ...s, ...def.derive?.(name, v, s), [name]: v }));
    setError((e) => e?.withoutField(name) ?? null); // a field's message goes once it is edited
  };

  async function submit() {
    setBusy(true);
    const body: Record<string, unknown> = {};
    for (const f of def.fields) {
      if (f.type === 'secret' && !values[f.name]) continue; // write-only: empty keeps the stored secret
      body[f.name] = values[f.name];
    }
    try {
      const saved = item ? await api.patch<Item>(`${def.url}${item.id}/`, body) : await api.post<Item>(def.url, body);
      toast(item ? 'Saved' : 'Created', 'ok');
      onSaved(saved);
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'error', messageOf(e)));
    } finally {
      setBusy(false);
    }
  }
  const unplaced =
    error &&
    Object.keys(error.fields).filter((k) => !def.fields.some((f) => f.name === k || k.startsWith(`${f.name}.`)));
  return (
    <Modal
      title={`${item ? 'Edit' : 'New'} ${def.singular}`}
      onClose={onClose}
      wide={def.fields.some((f) => ['prompt', 'json', 'parameters'].includes(f.type))}
      footer={
        <>
          <button onClick={onClose}>Cancel</button>
          <button className="primary" disabled={busy} onClick={submit} data-testid="item-submit">
            {busy ? 'Saving…' : 'Save'}
          </button>
        </>
      }
    >
      {error && (!Object.keys(error.fields).length || unplaced?.length) ? <ErrorBanner error={error} /> : null}
      <form
        ref={form}
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        {def.fields
          .filter((f) => !f.hidden?.(values))
          .map((f) => (
            <Field
              key={f.name}
              label={f.label}
              hint={f.type === 'secret' && !item ? undefined : f.help}
              error={error?.fieldError(f.name)}
            >
              <FieldInput f={f} value={values[f.name]} onChange={(v) => set(f.name, v)} values={values} />
            </Field>
          ))}
      </form>
    </Modal>
  );
}

/** A select over fixed `options`, or over a picker list (`pick`, e.g. the provider table). */
function SelectInput({
  f,
  value,
  onChange,
  testId,
}: {
  f: FieldDef;
  value: string;
  onChange: (v: unknown) => void;
  testId: string;
}) {
  const picked = usePicker(f.pick ?? '');
  const loaded = f.pick ? picked?.map((o) => o.value) : f.options;
  const options = loaded ?? (value ? [value] : []);
  return (
    <select name={f.name} value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
      {options.map((o) => (
        <option key={o}>{o}</option>
      ))}
    </select>
  );
}

function FieldInput({
  f,
  value,
  onChange,
  values,
}: {
  f: FieldDef;
  value: unknown;
  onChange: (v: unknown) => void;
  values: Record<string, unknown>;
}) {
  const str = value === undefined || value === null ? '' : String(value);
  const tid = `field-${f.name}`;
  switch (f.type) {
    case 'textarea':
      return <textarea name={f.name} value={str} onChange={(e) => onChange(e.target.value)} data-testid={tid} />;
    case 'prompt':
      return <PromptInput value={str} onChange={onChange} testId={tid} />;
    case 'number':
      return (
        <input
          name={f.name}
          type="number"
          step="any"
          value={str}
          onChange={(e) => onChange(e.target.value === '' ? null : Number(e.target.value))}
          data-testid={tid}
        />
      );
    case 'select':
      return <SelectInput f={f} value={str} onChange={onChange} testId={tid} />;
    case 'json':
      return <JsonInput value={value} onChange={(v) => onChange(v ?? (Array.isArray(value) ? [] : {}))} testId={tid} />;
    case 'secret':
      return (
        <input
          name={f.name}
          type="password"
          autoComplete="new-password"
          value={str}
          onChange={(e) => onChange(e.target.value)}
          data-testid={tid}
        />
      );
    case 'model':
      return <ModelInput value={value} onChange={(v) => onChange(v ?? '')} testId={tid} />;
    case 'models':
      return <ModelListInput value={value} onChange={onChange} testId={tid} />;
    case 'parameters':
      return <ParametersInput value={value} onChange={onChange} testId={tid} agentName={String(values.name ?? '')} />;
    case 'toolconfig':
      return (
        <ToolConfigInput
          kind={String(values.kind ?? 'python')}
          value={value}
          onChange={onChange}
          testId={tid}
          toolId={values.id as number | undefined}
          server={String(values.name ?? '')}
        />
      );
    case 'usertools':
      // ids go back as numbers, as the serializer's primary-key field expects
      return (
        <Picker
          kind="usertool"
          value={value}
          multi
          testId={tid}
          onChange={(v) => onChange((v as string[]).map((x) => (/^\d+$/.test(x) ? Number(x) : x)))}
        />
      );
    case 'builtintools':
      return <Picker kind="builtintool" value={value} onChange={onChange} multi testId={tid} />;
    default:
      return <input name={f.name} value={str} onChange={(e) => onChange(e.target.value)} data-testid={tid} />;
  }
}

const LIMITS: [string, string][] = [
  ['wall_s', 'Wall time (s)'],
  ['cpu_s', 'CPU time (s)'],
  ['memory_mb', 'Memory (MB)'],
];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

type Config = Record<string, unknown>;
type PutConfig = (key: string, v: unknown) => void;

function HttpToolConfig({ config, put, testId }: { config: Config; put: PutConfig; testId: string }) {
  return (
    <div className="param-grid" data-testid={testId}>
      <label className="param" style={{ gridColumn: '1 / -1' }}>
        <span className="object-label">URL</span>
        <input
          className="mono"
          value={String(config.url ?? '')}
          placeholder="https://api.example.org/lookup"
          data-testid={`${testId}-url`}
          onChange={(e) => put('url', e.target.value)}
        />
      </label>
      <label className="param">
        <span className="object-label">Method</span>
        <select
          value={String(config.method ?? 'POST')}
          data-testid={`${testId}-method`}
          onChange={(e) => put('method', e.target.value)}
        >
          {METHODS.map((m) => (
            <option key={m}>{m}</option>
          ))}
        </select>
      </label>
      <div className="param" role="group" aria-label="Headers">
        <span className="object-label">Headers</span>
        <KeyValueInput value={config.headers} onChange={(v) => put('headers', v)} testId={`${testId}-headers`} />
      </div>
      <span className="hint" style={{ gridColumn: '1 / -1' }}>
        The arguments are sent as JSON. The host must be on the server&apos;s allow-list (AXWEB_HTTP_ALLOWED_HOSTS).
      </span>
    </div>
  );
}

function CodeToolConfig({ config, put, testId }: { config: Config; put: PutConfig; testId: string }) {
  const limits = asObject(config.limits);
  return (
    <div className="tool-config" data-testid={testId}>
      <CodeInput value={String(config.code ?? '')} onChange={(v) => put('code', v)} testId={`${testId}-code`} />
      <span className="hint">
        Runs in the sandbox: no network, no app files. The arguments are in <code>inputs</code>; set <code>result</code>{' '}
        (JSON) to return it; an exception fails the call with its last line.
      </span>
      <div className="param-grid limits">
        {LIMITS.map(([key, label]) => (
          <label key={key} className="param">
            <span className="object-label">{label}</span>
            <input
              type="number"
              min={0}
              step="any"
              value={limits[key] === undefined ? '' : String(limits[key])}
              placeholder="default"
              data-testid={`${testId}-${key}`}
              onChange={(e) => {
                const next = withValue(limits, key, e.target.value === '' ? undefined : Number(e.target.value));
                put('limits', Object.keys(next).length ? next : undefined);
              }}
            />
          </label>
        ))}
      </div>
    </div>
  );
}

/** A tool's config as its kind needs it: Python code and sandbox limits, or an HTTP endpoint. */
function ToolConfigInput({
  kind,
  value,
  onChange,
  testId,
  toolId,
  server,
}: {
  kind: string;
  value: unknown;
  onChange: (v: unknown) => void;
  testId: string;
  toolId?: number | string;
  server: string;
}) {
  const config = asObject(value);
  const put = (key: string, v: unknown) => onChange(withValue(config, key, v));
  if (kind === 'http') return <HttpToolConfig config={config} put={put} testId={testId} />;
  if (kind === 'mcp')
    return (
      <McpToolConfig config={config} put={put} replace={onChange} testId={testId} toolId={toolId} server={server} />
    );
  return <CodeToolConfig config={config} put={put} testId={testId} />;
}
