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

function extraPortNames(config: Record<string, unknown>, key: string): string[] {
  const v = config[key];
  if (!Array.isArray(v)) return [];
  return v
    .map((p) => (typeof p === 'string' ? p : (p as { name?: unknown })?.name))
    .filter((p): p is string => typeof p === 'string' && p.length > 0);
}

/**
 * Ports of a node: the kind's declared ports, plus (for dynamic kinds) ports named in
 * config.inputs / config.outputs / config.branches and ports used by existing edges.
 */
export function nodePorts(node: GraphNode, kind: NodeKind | undefined, edges: GraphEdge[] = []): NodePorts {
  const inputs = [...(kind?.inputs ?? [])];
  const outputs = [...(kind?.outputs ?? [])];
  // on_error = "error_edge" routes the failure out of an extra "error" port.
  if (node.on_error === 'error_edge' && !outputs.some((p) => p.name === ERROR_PORT)) outputs.push({ name: ERROR_PORT, type: 'json' });
  if (kind?.dynamic_ports || !kind) {
    const addIn = (name: string) => {
      if (!inputs.some((p) => p.name === name)) inputs.push({ name, type: 'any' });
    };
    const addOut = (name: string) => {
      if (!outputs.some((p) => p.name === name)) outputs.push({ name, type: 'any' });
    };
    extraPortNames(node.config ?? {}, 'inputs').forEach(addIn);
    extraPortNames(node.config ?? {}, 'outputs').forEach(addOut);
    extraPortNames(node.config ?? {}, 'branches').forEach(addOut);
    for (const e of edges) {
      if (e.target === node.id) addIn(e.target_port);
      if (e.source === node.id) addOut(e.source_port);
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
  const taken = edges.some(
    (e) => e.target === edge.target && e.target_port === edge.target_port,
  );
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
