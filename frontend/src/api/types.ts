/** Wire types from the AXWeb API contract (v1). */

export type PortType = 'text' | 'json' | 'messages' | 'list' | 'bool' | 'any';

export interface PortSpec {
  name: string;
  type: PortType | string;
  required?: boolean;
  multiple?: boolean;
}

export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  format?: string;
  enum?: unknown[];
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  /** Form hint: show the field only while the node's config has these values. */
  'x-when'?: Record<string, unknown>;
}

export interface NodeKind {
  kind: string;
  title: string;
  category: string;
  description: string;
  color: string;
  config_schema: JsonSchema;
  inputs: PortSpec[];
  outputs: PortSpec[];
  dynamic_ports: boolean;
}

export type OnError = 'fail' | 'continue' | 'error_edge';

export interface GraphNode {
  id: string;
  kind: string;
  label: string;
  position: { x: number; y: number };
  config: Record<string, unknown>;
  retry?: { count: number; backoff_s: number };
  timeout_s?: number | null;
  on_error?: OnError;
  default?: unknown;
  fallback_model?: string | null;
}

export interface GraphEdge {
  id: string;
  source: string;
  source_port: string;
  target: string;
  target_port: string;
}

export interface Graph {
  schema_version: number;
  nodes: GraphNode[];
  edges: GraphEdge[];
  viewport?: { x: number; y: number; zoom: number };
}

export interface User {
  id: number;
  username: string;
  is_staff: boolean;
}

export interface VersionInfo {
  number: number;
  created_at: string;
  message: string;
  created_by?: string | number | null;
}

export interface Workflow {
  id: number | string;
  name: string;
  slug: string;
  description: string;
  /** A tool of the MCP server at /mcp/ (mcpcli). */
  expose_as_tool?: boolean;
  /** The owner's username (staff see everyone's workflows). */
  owner: string;
  created_at: string;
  updated_at: string;
  latest_version: VersionInfo | null;
}

export interface Version extends VersionInfo {
  graph: Graph;
}

export type RunStatus = 'queued' | 'running' | 'paused' | 'succeeded' | 'failed' | 'cancelled';

export interface Usage {
  input_tokens?: number;
  output_tokens?: number;
  cost?: number;
}

export interface Run {
  id: string;
  workflow: number | string;
  workflow_name: string;
  /** The owner's username (staff see everyone's runs). */
  owner?: string;
  version: number | null;
  /** A playground run of the workflow's draft (no numbered version). */
  draft?: boolean;
  status: RunStatus;
  inputs: Record<string, unknown>;
  outputs: unknown;
  error: unknown;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  usage: Usage;
  /** The run's limits (unset = unlimited; repeated tool calls default to 3). */
  budgets?: Partial<Record<BudgetName, number | null>>;
  /** A child run (of a subflow node): the run and node that started it. */
  parent?: string | null;
  parent_node?: string;
}

export type BudgetName = 'max_steps' | 'max_tokens' | 'max_cost' | 'max_wall_s' | 'max_repeated_tool_calls';

export interface EventEnvelope {
  run: string;
  seq: number;
  type: string;
  node: string | null;
  ts: string;
  data: Record<string, unknown>;
}

export interface Agent {
  id: number;
  name: string;
  role: string;
  system_prompt: string;
  model: string;
  parameters: Record<string, unknown>;
  tools: (number | string)[];
  builtin_tools?: string[];
}

export interface Tool {
  id: number;
  name: string;
  kind: string;
  description: string;
  input_schema: Record<string, unknown>;
  config: Record<string, unknown>;
}

export interface CatalogTool {
  name: string;
  description: string;
  input_schema: Record<string, unknown>;
  builtin: boolean;
  /** Set when a saved tool no longer loads: what to fix. */
  invalid?: string;
}

export interface Model {
  id: number;
  provider: string;
  name: string;
  ref: string;
  tier: string;
  context_length: number;
  cost_in_per_1k: number;
  cost_out_per_1k: number;
}

/** One row of the provider table (agents/llm/providers/table.py). */
export interface ProviderRow {
  name: string;
  label: string;
  /** The server's key for this provider (an environment variable); null: it needs none. */
  credential: string | null;
  /** JSON schema of the provider's `ModelEntry.config`. */
  config_schema: Record<string, unknown>;
}

/** GET /api/models/providers/: every provider and the tiers. */
export interface ProviderTable {
  providers: ProviderRow[];
  tiers: string[];
  /** What a stored credential can be for: providers that take a key, then `token` (MCP servers). */
  credential_kinds: { name: string; label: string }[];
}

export interface Credential {
  id: number;
  provider: string;
  label: string;
  is_set: boolean;
  last4: string;
}

export interface Collection {
  id: number;
  name: string;
  description: string;
  document_count: number;
}
