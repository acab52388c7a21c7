/** Field and column definitions for the library pages (agents, tools, models, knowledge, credentials). */
import type { ReactNode } from 'react';
import type { Agent, Collection, Credential, Model, Tool } from '../api/types';

export type FieldType =
  | 'text'
  | 'textarea'
  | 'prompt'
  | 'number'
  | 'select'
  | 'json'
  | 'secret'
  | 'model'
  | 'models'
  | 'parameters'
  | 'toolconfig'
  | 'usertools'
  | 'builtintools';

export interface FieldDef {
  name: string;
  label: string;
  type: FieldType;
  options?: string[];
  /** A select's options come from a picker list instead (e.g. 'provider': the provider table). */
  pick?: 'provider' | 'keyprovider' | 'tier';
  help?: string;
  createOnly?: boolean;
  /** Not shown while this says so (e.g. an input schema for an MCP server row: its tools bring theirs). */
  hidden?: (values: Record<string, unknown>) => boolean;
}

export interface Column<T> {
  label: string;
  render: (item: T) => ReactNode;
}

export interface ResourceDef<T = Record<string, unknown>> {
  title: string;
  singular: string;
  url: string;
  blurb: string;
  columns: Column<T>[];
  fields: FieldDef[];
  blank: Record<string, unknown>;
  /** Only staff may create, edit or delete (the API answers 403 to others). */
  staffOnly?: boolean;
  /** Other values that change with this one (e.g. a tool's config when its kind changes). */
  derive?: (name: string, value: unknown, values: Record<string, unknown>) => Record<string, unknown>;
}

const agents: ResourceDef<Agent> = {
  title: 'Agents',
  singular: 'agent',
  url: '/api/agents/',
  blurb: 'Reusable agents: a role, a system prompt, a model and the tools they may call.',
  columns: [
    { label: 'Name', render: (a) => <b>{a.name}</b> },
    { label: 'Role', render: (a) => a.role },
    { label: 'Model', render: (a) => <span className="mono">{a.model}</span> },
    {
      label: 'Tools',
      render: (a) => [...(a.builtin_tools ?? []), ...(a.tools ?? []).map((t) => `#${t}`)].join(', ') || '—',
    },
  ],
  fields: [
    { name: 'name', label: 'Name', type: 'text' },
    { name: 'role', label: 'Role', type: 'text' },
    { name: 'system_prompt', label: 'System prompt', type: 'prompt' },
    { name: 'model', label: 'Model', type: 'model' },
    { name: 'builtin_tools', label: 'Builtin tools', type: 'builtintools' },
    { name: 'tools', label: 'Your tools', type: 'usertools' },
    {
      name: 'fallback_models',
      label: 'Fallback models',
      type: 'models',
      help: 'Tried in order when the model fails (unreachable, rate-limited, unknown).',
    },
    { name: 'parameters', label: 'Parameters', type: 'parameters' },
  ],
  blank: {
    name: '',
    role: '',
    system_prompt: '',
    model: '',
    tools: [],
    builtin_tools: [],
    fallback_models: [],
    parameters: {},
  },
};

const KIND_CONFIG: Record<string, Record<string, unknown>> = {
  http: { url: '', method: 'POST' },
  mcp: { url: '', transport: 'streamable_http' },
};

const tools: ResourceDef<Tool> = {
  title: 'Tools',
  singular: 'tool',
  url: '/api/tools/',
  blurb:
    'Your own tools (Python in the sandbox, HTTP, or an MCP server and its tools). Builtin tools are always available to agents.',
  columns: [
    { label: 'Name', render: (t) => <b className="mono">{t.name}</b> },
    { label: 'Kind', render: (t) => t.kind },
    { label: 'Description', render: (t) => t.description },
  ],
  fields: [
    { name: 'name', label: 'Name', type: 'text' },
    { name: 'kind', label: 'Kind', type: 'select', options: ['python', 'http', 'mcp'] },
    {
      name: 'description',
      label: 'Description',
      type: 'textarea',
      help: 'The model reads this to decide when to call the tool.',
    },
    {
      name: 'input_schema',
      label: 'Input schema (JSON Schema)',
      type: 'json',
      help: 'The arguments: an object schema; they are checked before the tool runs.',
      hidden: (values) => values.kind === 'mcp', // each discovered tool brings its own
    },
    { name: 'config', label: 'Implementation', type: 'toolconfig' },
  ],
  blank: {
    name: '',
    kind: 'python',
    description: '',
    input_schema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
    config: {
      code: "# The arguments are in `inputs`; set `result` to return a value.\nresult = len(inputs['text'].split())\n",
    },
  },
  derive: (name, value, values) =>
    name === 'kind' && value !== values.kind
      ? { config: KIND_CONFIG[String(value)] ?? { code: 'result = None\n' } }
      : {},
};

const models: ResourceDef<Model> = {
  title: 'Models',
  singular: 'model',
  url: '/api/models/',
  blurb: 'Models agents can use. Compressed builtin models appear here once a lab job registers them.',
  staffOnly: true,
  columns: [
    { label: 'Reference', render: (m) => <b className="mono">{m.ref}</b> },
    { label: 'Tier', render: (m) => <span className="badge">{m.tier}</span> },
    { label: 'Context', render: (m) => `${Number(m.context_length).toLocaleString('en')} tokens` },
    {
      label: 'Cost in/out per 1k',
      render: (m) =>
        Number(m.cost_in_per_1k) || Number(m.cost_out_per_1k) ? (
          `$${Number(m.cost_in_per_1k)} / $${Number(m.cost_out_per_1k)}`
        ) : (
          <span className="hint">free</span>
        ),
    },
  ],
  fields: [
    { name: 'provider', label: 'Provider', type: 'select', pick: 'provider' },
    { name: 'name', label: 'Model name', type: 'text' },
    { name: 'tier', label: 'Tier', type: 'select', pick: 'tier' },
    { name: 'context_length', label: 'Context length', type: 'number' },
    { name: 'cost_in_per_1k', label: 'Cost per 1k input tokens ($)', type: 'number' },
    { name: 'cost_out_per_1k', label: 'Cost per 1k output tokens ($)', type: 'number' },
  ],
  blank: { provider: 'ollama', name: '', tier: 'local', context_length: 4096, cost_in_per_1k: 0, cost_out_per_1k: 0 },
};

const credentials: ResourceDef<Credential> = {
  title: 'Credentials',
  singular: 'credential',
  url: '/api/credentials/',
  blurb:
    'API keys for providers, and tokens that tools send (kind token: an MCP server picks one). Secrets are write-only: they are never shown again after saving.',
  columns: [
    { label: 'Provider', render: (c) => <b>{c.provider}</b> },
    { label: 'Label', render: (c) => c.label },
    {
      label: 'Secret',
      render: (c) =>
        c.is_set ? (
          <span className="mono" data-testid="secret-state">
            set • {c.last4}
          </span>
        ) : (
          <span className="hint">not set</span>
        ),
    },
  ],
  fields: [
    { name: 'provider', label: 'Provider', type: 'select', pick: 'keyprovider' },
    { name: 'label', label: 'Label', type: 'text' },
    { name: 'secret', label: 'Secret', type: 'secret', help: 'Leave empty to keep the current secret.' },
  ],
  blank: { provider: 'anthropic', label: '', secret: '' },
};

const knowledge: ResourceDef<Collection> = {
  title: 'Knowledge',
  singular: 'collection',
  url: '/api/knowledge/collections/',
  blurb: 'Document collections, chunked and embedded offline, searchable by agents and the knowledge-search tool.',
  columns: [
    { label: 'Name', render: (c) => <b>{c.name}</b> },
    { label: 'Description', render: (c) => c.description },
    { label: 'Documents', render: (c) => c.document_count },
  ],
  fields: [
    { name: 'name', label: 'Name', type: 'text' },
    { name: 'description', label: 'Description', type: 'textarea' },
  ],
  blank: { name: '', description: '' },
};

export const RESOURCES = { agents, tools, models, credentials, knowledge } as unknown as Record<string, ResourceDef>;
