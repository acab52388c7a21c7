/**
 * Typed values for forms: a tool's arguments read from its JSON schema, values typed by a port
 * type, and the check of one value against its field (the message shown under the field).
 */
import type { JsonSchema } from '../api/types';
import { humanize, resolveSchema } from './schemaForm';

export type ArgType =
  'string' | 'number' | 'integer' | 'boolean' | 'strings' | 'numbers' | 'object' | 'stringMap' | 'any';

export interface ArgField {
  name: string;
  label: string;
  type: ArgType;
  required: boolean;
  description?: string;
  options?: string[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  default?: unknown;
}

/** A string holding a `{{…}}` placeholder: rendered from the node's input when it runs. */
export function isExpression(v: unknown): v is string {
  return typeof v === 'string' && /\{\{\s*[\w.-]+\s*\}\}/.test(v);
}

function argType(s: JsonSchema): ArgType {
  const t = Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type;
  const extra = (s as { additionalProperties?: JsonSchema | boolean }).additionalProperties;
  if (t === 'object' && !s.properties && typeof extra === 'object' && extra.type === 'string') return 'stringMap';
  if (t === 'string' || t === 'number' || t === 'integer' || t === 'boolean' || t === 'object') return t;
  if (t === 'array') {
    const it = s.items?.type;
    if (it === 'string') return 'strings';
    if (it === 'number' || it === 'integer') return 'numbers';
    return 'object';
  }
  return 'any';
}

/** The fields of a tool's input schema, required ones first (each keeps its schema order). */
export function argumentFields(schema: JsonSchema | undefined): ArgField[] {
  const props = schema?.properties ?? {};
  const required = new Set(schema?.required ?? []);
  const fields = Object.entries(props).map(([name, raw]) => {
    const s = resolveSchema(raw, schema) as JsonSchema & Record<string, unknown>;
    const f: ArgField = { name, label: s.title ?? humanize(name), type: argType(s), required: required.has(name) };
    if (s.description) f.description = s.description;
    if (s.enum) f.options = s.enum.map(String);
    if (typeof s.minimum === 'number') f.minimum = s.minimum;
    if (typeof s.maximum === 'number') f.maximum = s.maximum;
    if (typeof s.minLength === 'number') f.minLength = s.minLength;
    if (s.default !== undefined) f.default = s.default;
    return f;
  });
  return [...fields.filter((f) => f.required), ...fields.filter((f) => !f.required)];
}

const empty = (v: unknown) => v === undefined || v === null || v === '';

function numberProblem(f: ArgField, v: unknown): string | null {
  if (typeof v !== 'number' || Number.isNaN(v)) return 'must be a number (or a {{…}} expression)';
  if (f.type === 'integer' && !Number.isInteger(v)) return 'must be a whole number';
  if (f.minimum !== undefined && v < f.minimum) return `must be at least ${f.minimum}`;
  if (f.maximum !== undefined && v > f.maximum) return `must be at most ${f.maximum}`;
  return null;
}

/** What is wrong with `v` for field `f`, as a phrase for under the field; null when fine. */
export function argumentProblem(f: ArgField, v: unknown): string | null {
  if (empty(v)) return f.required ? 'is required: set it here, or send it in the input object' : null;
  if (isExpression(v)) return null;
  switch (f.type) {
    case 'string':
      if (typeof v !== 'string') return 'must be text';
      if (f.options && !f.options.includes(v)) return `must be one of ${f.options.join(', ')}`;
      if (f.minLength !== undefined && v.length < f.minLength) return 'is too short';
      return null;
    case 'number':
    case 'integer':
      return numberProblem(f, v);
    case 'boolean':
      return typeof v === 'boolean' ? null : 'must be true or false';
    case 'strings':
    case 'numbers':
      return Array.isArray(v) ? null : 'must be a list';
    default:
      return null;
  }
}

/** Problems of every argument, by field name (unknown arguments too, when the schema is closed). */
export function argumentProblems(
  schema: JsonSchema | undefined,
  args: Record<string, unknown>,
): Record<string, string> {
  const out: Record<string, string> = {};
  const fields = argumentFields(schema);
  for (const f of fields) {
    const p = argumentProblem(f, args[f.name]);
    if (p) out[f.name] = `${f.label} ${p}.`;
  }
  const closed = (schema as Record<string, unknown> | undefined)?.additionalProperties === false;
  for (const k of Object.keys(args)) {
    if (closed && !fields.some((f) => f.name === k)) out[k] = `The tool takes no argument “${k}”.`;
  }
  return out;
}

/**
 * A value typed into a free ("any") field: JSON when it reads as JSON (42, true, [1], {"a": 1},
 * "quoted"), else the text itself.
 */
export function parseLoose(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** How a loose value shows in its field (text as it is, anything else as JSON). */
export function showLoose(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export interface ChatMessage {
  role: string;
  content: string;
}

/** A messages value as rows (anything that is not a list of {role, content} gives none). */
export function asMessages(v: unknown): ChatMessage[] {
  if (!Array.isArray(v)) return [];
  return v
    .filter((m): m is Record<string, unknown> => !!m && typeof m === 'object')
    .map((m) => ({ role: String(m.role ?? 'user'), content: String(m.content ?? '') }));
}
