/** The run form: which inputs a workflow asks for, read from its input nodes' config. */
import type { Graph, GraphNode } from '../api/types';

export interface InputField {
  name: string;
  label: string;
  type: string;
  required: boolean;
  default?: unknown;
  description?: string;
}

type RawField =
  | string
  | {
      name?: string;
      key?: string;
      label?: string;
      title?: string;
      type?: string;
      required?: boolean;
      default?: unknown;
      description?: string;
    };

function fromRaw(f: RawField): InputField | null {
  if (typeof f === 'string') return { name: f, label: f, type: 'text', required: true };
  const name = f.name ?? f.key;
  if (!name) return null;
  return {
    name,
    label: f.label ?? f.title ?? name,
    type: f.type ?? 'text',
    required: f.required ?? true,
    default: f.default,
    description: f.description,
  };
}

function fieldsOfNode(n: GraphNode): InputField[] {
  const c = n.config ?? {};
  if (Array.isArray(c.fields)) return (c.fields as RawField[]).map(fromRaw).filter((f): f is InputField => !!f);
  const schema = c.schema as
    | {
        properties?: Record<string, { type?: string; title?: string; default?: unknown; description?: string }>;
        required?: string[];
      }
    | undefined;
  if (schema?.properties) {
    return Object.entries(schema.properties).map(([name, s]) => ({
      name,
      label: s.title ?? name,
      type: s.type ?? 'text',
      required: schema.required?.includes(name) ?? false,
      default: s.default,
      description: s.description,
    }));
  }
  const name = String(c.name ?? c.key ?? n.label ?? n.id) || n.id;
  return [
    {
      name,
      label: n.label || name,
      type: String(c.type ?? 'any'),
      required: c.required === true,
      default: c.default,
      description: c.description as string | undefined,
    },
  ];
}

export function inputFields(graph: Graph): InputField[] {
  const out: InputField[] = [];
  for (const n of graph.nodes.filter((x) => x.kind === 'input')) {
    for (const f of fieldsOfNode(n)) if (!out.some((o) => o.name === f.name)) out.push(f);
  }
  return out;
}

/** Convert form strings into typed values; throws with a readable message on bad JSON. */
export function coerceInput(f: InputField, raw: string): unknown {
  if (f.type === 'number' || f.type === 'integer') return raw === '' ? null : Number(raw);
  if (f.type === 'bool' || f.type === 'boolean') return raw === 'true';
  if (['json', 'list', 'object', 'array', 'messages'].includes(f.type)) {
    if (raw.trim() === '') return null;
    try {
      return JSON.parse(raw);
    } catch {
      throw new Error(`${f.label}: not valid JSON`);
    }
  }
  return raw;
}
