/** Port typing rules, mirroring the server: equal types connect, "any" connects to all. */
import type { GraphEdge, GraphNode, NodeKind, PortSpec } from '../api/types';

export function portsCompatible(sourceType: string, targetType: string): boolean {
  return sourceType === targetType || sourceType === 'any' || targetType === 'any';
}

export function incompatibilityMessage(sourceType: string, targetType: string): string {
  return `${sourceType} output cannot feed a ${targetType} input`;
}

export const ERROR_PORT = 'error';

export interface NodePorts {
  inputs: PortSpec[];
  outputs: PortSpec[];
}

type DynamicPorts = (config: Record<string, unknown>, kind: NodeKind) => Partial<NodePorts>;

const names = (v: unknown): string[] =>
  (Array.isArray(v) ? v : [])
    .map((p) => (typeof p === 'string' ? p : (p as { name?: unknown })?.name))
    .filter((p): p is string => typeof p === 'string' && p.length > 0);

/** An Input node in chat mode: the message, the earlier turns, and both as one transcript. */
const CHAT_INPUT_PORTS: PortSpec[] = [
  { name: 'out', type: 'text' },
  { name: 'history', type: 'messages' },
  { name: 'messages', type: 'messages' },
];

/**
 * Client mirrors of the server kinds' `ports(config)` (workflows/engine/kinds/*.py) for kinds
 * with dynamic_ports; the server re-checks every edge when a version is saved.
 */
export const DYNAMIC_PORTS: Record<string, DynamicPorts> = {
  input: (c) => ({ inputs: [], outputs: c.chat ? CHAT_INPUT_PORTS : [{ name: 'out', type: String(c.type ?? 'any') }] }),
  llm: (c) => ({ outputs: [{ name: 'out', type: c.output === 'json' ? 'json' : 'text' }] }),
  router: (c) => ({
    outputs: [...names(c.routes).map((name) => ({ name, type: 'any' })), { name: 'default', type: 'any' }],
  }),
};

/**
 * Ports of a node: the kind's declared ports, adjusted by its config for dynamic kinds, plus
 * an "error" output when on_error is "error_edge". Unknown dynamic kinds also get the ports
 * their edges use, so imported graphs still render.
 */
export function nodePorts(node: GraphNode, kind: NodeKind | undefined, edges: GraphEdge[] = []): NodePorts {
  const dyn = kind?.dynamic_ports ? DYNAMIC_PORTS[kind.kind]?.(node.config ?? {}, kind) : undefined;
  const inputs = [...(dyn?.inputs ?? kind?.inputs ?? [])];
  const outputs = [...(dyn?.outputs ?? kind?.outputs ?? [])];
  // on_error = "error_edge" routes the failure out of an extra "error" port.
  if (node.on_error === 'error_edge' && !outputs.some((p) => p.name === ERROR_PORT))
    outputs.push({ name: ERROR_PORT, type: 'json' });
  if ((kind?.dynamic_ports && !dyn) || !kind) {
    for (const e of edges) {
      if (e.target === node.id && !inputs.some((p) => p.name === e.target_port))
        inputs.push({ name: e.target_port, type: 'any' });
      if (e.source === node.id && !outputs.some((p) => p.name === e.source_port))
        outputs.push({ name: e.source_port, type: 'any' });
    }
  }
  return { inputs, outputs };
}

export interface ConnectionCheck {
  ok: boolean;
  reason?: string;
}

/** Check a prospective edge against port types, self-loops and single-input ports. */
export function checkConnection(
  edge: Pick<GraphEdge, 'source' | 'source_port' | 'target' | 'target_port'>,
  nodes: Map<string, GraphNode>,
  kinds: Map<string, NodeKind>,
  edges: GraphEdge[],
): ConnectionCheck {
  if (edge.source === edge.target) return { ok: false, reason: 'a node cannot connect to itself' };
  const src = nodes.get(edge.source);
  const dst = nodes.get(edge.target);
  if (!src || !dst) return { ok: false, reason: 'unknown node' };
  const out = nodePorts(src, kinds.get(src.kind), edges).outputs.find((p) => p.name === edge.source_port);
  const inp = nodePorts(dst, kinds.get(dst.kind), edges).inputs.find((p) => p.name === edge.target_port);
  if (!out) return { ok: false, reason: `${src.label || src.id} has no output "${edge.source_port}"` };
  if (!inp) return { ok: false, reason: `${dst.label || dst.id} has no input "${edge.target_port}"` };
  if (!portsCompatible(String(out.type), String(inp.type))) {
    return { ok: false, reason: incompatibilityMessage(String(out.type), String(inp.type)) };
  }
  const taken = edges.some((e) => e.target === edge.target && e.target_port === edge.target_port);
  const dup = edges.some(
    (e) =>
      e.source === edge.source &&
      e.source_port === edge.source_port &&
      e.target === edge.target &&
      e.target_port === edge.target_port,
  );
  if (dup) return { ok: false, reason: 'these ports are already connected' };
  if (taken && !inp.multiple) {
    return { ok: false, reason: `input "${inp.name}" already has a connection (it takes one)` };
  }
  return { ok: true };
}

export const PORT_COLORS: Record<string, string> = {
  text: '#3b82f6',
  json: '#f59e0b',
  messages: '#8b5cf6',
  list: '#10b981',
  bool: '#ef4444',
  any: '#94a3b8',
};

export function portColor(type: string): string {
  return PORT_COLORS[type] ?? PORT_COLORS.any;
}
