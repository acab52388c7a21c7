/** Maps a node kind's config JSON Schema onto form fields for the property panel. */
import type { JsonSchema } from '../api/types';

export type Widget =
  | 'text'
  | 'textarea'
  | 'prompt'
  | 'expression'
  | 'number'
  | 'integer'
  | 'checkbox'
  | 'select'
  | 'json'
  | 'list'
  | 'objects'
  | 'agent'
  | 'model'
  | 'tool'
  | 'workflow'
  | 'body';

export interface FieldSpec {
  name: string;
  label: string;
  widget: Widget;
  required: boolean;
  description?: string;
  options?: unknown[];
  default?: unknown;
  /** 'objects': the fields of one item (an array of objects is edited as a list of sub-forms). */
  itemFields?: FieldSpec[];
  /** Shown only while the node's config has these values (schema `x-when`). */
  when?: Record<string, unknown>;
}

/** Whether a field applies to this node config (config values, else the schema defaults). */
export function shown(
  field: FieldSpec,
  config: Record<string, unknown>,
  defaults: Record<string, unknown> = {},
): boolean {
  return Object.entries(field.when ?? {}).every(([key, want]) => (config[key] ?? defaults[key]) === want);
}

const PICKERS = new Set(['agent', 'model', 'tool', 'workflow']);

function primaryType(s: JsonSchema): string | undefined {
  if (Array.isArray(s.type)) return s.type.find((t) => t !== 'null');
  return s.type;
}

export function humanize(name: string): string {
  const s = name.replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * Flatten what pydantic emits: `$ref` into `$defs`, and `anyOf: [X, {type: null}]` for optional
 * fields (the outer title/format/default win over the branch's).
 */
export function resolveSchema(s: JsonSchema, root: JsonSchema = s): JsonSchema {
  let out = s;
  if (out.$ref?.startsWith('#/$defs/')) {
    const { $ref, ...rest } = out;
    out = { ...(root.$defs?.[$ref.slice(8)] ?? {}), ...rest };
  }
  const alts = out.anyOf ?? out.oneOf;
  if (alts) {
    const { anyOf: _a, oneOf: _o, ...outer } = out;
    const branch = alts.find((b) => primaryType(resolveSchema(b, root)) !== 'null') ?? {};
    out = { ...resolveSchema(branch, root), ...outer };
  }
  if (out.items) out = { ...out, items: resolveSchema(out.items, root) };
  return out;
}

/** Whether a (resolved) schema describes a graph document: a loop's or map's body. */
export function isGraphSchema(s: JsonSchema | undefined): boolean {
  return !!s?.properties?.nodes && !!s?.properties?.edges;
}

export function widgetFor(s: JsonSchema): Widget {
  if (s.enum) return 'select';
  if (isGraphSchema(s)) return 'body';
  const t = primaryType(s);
  if (t === 'string') {
    if (s.format && PICKERS.has(s.format)) return s.format as Widget;
    if (s.format === 'prompt') return 'prompt';
    if (s.format === 'expression') return 'expression';
    if (s.format === 'textarea' || s.format === 'multiline') return 'textarea';
    return 'text';
  }
  if (t === 'integer') return 'integer';
  if (t === 'number') return 'number';
  if (t === 'boolean') return 'checkbox';
  if (t === 'array' && primaryType(s.items ?? {}) === 'string') {
    const f = s.items?.format;
    if (f && PICKERS.has(f)) return f as Widget;
    return 'list';
  }
  if (t === 'array' && s.items?.properties && primaryType(s.items) === 'object') return 'objects';
  return 'json';
}

export function fieldsFromSchema(schema: JsonSchema | undefined, root: JsonSchema | undefined = schema): FieldSpec[] {
  const props = schema?.properties ?? {};
  const required = new Set(schema?.required ?? []);
  return Object.entries(props)
    .map(([name, raw]) => ({ name, s: resolveSchema(raw, root) }))
    .map(({ name, s }) => {
      const widget = widgetFor(s);
      return {
        name,
        label: s.title ?? humanize(name),
        widget,
        required: required.has(name),
        description: s.description,
        options: s.enum,
        default: s.default,
        ...(s['x-when'] ? { when: s['x-when'] } : {}),
        ...(widget === 'objects' ? { itemFields: fieldsFromSchema(s.items, root) } : {}),
      };
    });
}

/**
 * A new item for an 'objects' list: each field's default, or '' for required text; a `name`
 * field gets the first free "<list name, singular><n>" (routes → route3).
 */
export function newItem(
  fields: FieldSpec[],
  existing: Record<string, unknown>[],
  listName = 'item',
): Record<string, unknown> {
  const item: Record<string, unknown> = {};
  for (const f of fields) {
    if (f.default !== undefined && f.default !== null) item[f.name] = structuredClone(f.default);
    else if (f.required) item[f.name] = '';
  }
  if (fields.some((f) => f.name === 'name')) {
    const taken = new Set(existing.map((e) => String(e.name ?? '')));
    let n = existing.length + 1;
    const stem = listName.endsWith('s') ? listName.slice(0, -1) : listName;
    while (taken.has(`${stem}${n}`)) n += 1;
    item.name = `${stem}${n}`;
  }
  return item;
}

/** Fields whose array variant holds many picks (e.g. tools: [tool ids]). */
export function isMulti(s: JsonSchema | undefined, root?: JsonSchema): boolean {
  return primaryType(resolveSchema(s ?? {}, root)) === 'array';
}

/** Default config from a schema (its defaults; required strings become ''). */
export function defaultConfig(schema: JsonSchema | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(schema?.properties ?? {})) {
    if (s.default !== undefined) out[name] = structuredClone(s.default);
  }
  return out;
}

/** Names of {{variables}} used in a prompt template, in first-use order. */
export function promptVariables(text: string): string[] {
  const seen: string[] = [];
  for (const m of text.matchAll(/\{\{\s*([\w.-]+)\s*\}\}/g)) if (!seen.includes(m[1])) seen.push(m[1]);
  return seen;
}
