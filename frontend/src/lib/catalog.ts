/** Cached look-ups used by pickers and the palette (one request per session per list). */
import { api, listOf, type Page } from '../api/client';
import type { Agent, CatalogTool, Credential, Model, NodeKind, ProviderTable, Tool, Workflow } from '../api/types';

const cache = new Map<string, Promise<unknown>>();

function once<T>(key: string, fn: () => Promise<T>): Promise<T> {
  if (!cache.has(key)) {
    const p = fn().catch((e) => {
      cache.delete(key);
      throw e;
    });
    cache.set(key, p);
  }
  return cache.get(key) as Promise<T>;
}

export function invalidate(key?: string): void {
  if (key) cache.delete(key);
  else cache.clear();
}

const all = async <T>(url: string) => listOf(await api.get<Page<T> | T[]>(`${url}?page_size=500`));

export const KINDS_URL = '/api/node-kinds/';

export const catalog = {
  kinds: () => once('kinds', async () => withNote(listOf(await api.get<NodeKind[] | Page<NodeKind>>(KINDS_URL)))),
  agents: () => once('agents', () => all<Agent>('/api/agents/')),
  models: () => once('models', () => all<Model>('/api/models/')),
  providers: () => once('providers', () => api.get<ProviderTable>('/api/models/providers/')),
  userTools: () => once('usertools', () => all<Tool>('/api/tools/')),
  tools: () =>
    once('tools', async () => listOf(await api.get<CatalogTool[] | Page<CatalogTool>>('/api/tools/catalog/'))),
  workflows: () => once('workflows', () => all<Workflow>('/api/workflows/')),
  credentials: () => once('credentials', () => all<Credential>('/api/credentials/')),
  agentParameters: () => once('agentparameters', () => api.get<AgentParameter[]>('/api/agents/parameters/')),
};

/** One key an agent's `parameters` may hold (agents/parameters.py). */
export interface AgentParameter {
  name: string;
  label: string;
  kind: 'number' | 'integer' | 'boolean' | 'strings' | 'agents';
  help: string;
  minimum: number | null;
  maximum: number | null;
  default: unknown;
}

export interface PickOption {
  value: string;
  label: string;
}

export async function pickerOptions(kind: string): Promise<PickOption[]> {
  switch (kind) {
    case 'agent': // the engine finds agents by name (agents/gateway.py)
      return (await catalog.agents()).map((a) => ({ value: a.name, label: a.role ? `${a.name} — ${a.role}` : a.name }));
    case 'model':
      return (await catalog.models()).map((m) => ({ value: m.ref, label: `${m.ref} (${m.tier})` }));
    case 'tool':
      return (await catalog.tools()).map((t) => ({
        value: t.name,
        label: t.builtin ? t.name : `${t.name} (custom${t.invalid ? ', needs fixing' : ''})`,
      }));
    case 'usertool': // Agent.tools holds the ids of the user's own tools
      return (await catalog.userTools()).map((t) => ({ value: String(t.id), label: `${t.name} (${t.kind})` }));
    case 'builtintool': // Agent.builtin_tools holds builtin tool names
      return (await catalog.tools()).filter((t) => t.builtin).map((t) => ({ value: t.name, label: t.name }));
    case 'workflow':
      return (await catalog.workflows()).map((w) => ({ value: String(w.id), label: w.name }));
    case 'provider': // the provider table, served by the API
      return (await catalog.providers()).providers.map((p) => ({ value: p.name, label: p.name }));
    case 'keyprovider': // what a stored key can be for: providers that take one, and tool tokens
      return (await catalog.providers()).credential_kinds.map((k) => ({ value: k.name, label: k.label }));
    case 'tier':
      return (await catalog.providers()).tiers.map((t) => ({ value: t, label: t }));
    default:
      return [];
  }
}

/** Sticky notes are a canvas feature; keep them even if the server catalog omits the kind. */
export const NOTE_KIND: NodeKind = {
  kind: 'note',
  title: 'Note',
  category: 'Annotation',
  description: 'A sticky note for the canvas; never runs.',
  color: '#eab308',
  config_schema: { type: 'object', properties: { text: { type: 'string', format: 'textarea' } } },
  inputs: [],
  outputs: [],
  dynamic_ports: false,
};

export function withNote(kinds: NodeKind[]): NodeKind[] {
  return kinds.some((k) => k.kind === 'note') ? kinds : [...kinds, NOTE_KIND];
}
