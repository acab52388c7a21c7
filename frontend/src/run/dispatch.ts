/**
 * The one module that applies run events to run state. Same rules as the server snapshot:
 * state(snapshot) + events after snapshot.seq == state(later snapshot).
 * Events are applied strictly in seq order; duplicates (seq <= state.seq) are dropped;
 * early events (a gap) wait in `pending` until the missing ones arrive.
 */
import type { EventEnvelope, Run, RunStatus, Usage } from '../api/types';

export type NodeStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'paused' | 'cancelled';

export interface ToolCall {
  call_id: string;
  tool: string;
  arguments: unknown;
  result?: unknown;
  error?: unknown;
  done: boolean;
}

export interface NodeRun {
  status: NodeStatus;
  started_at: string | null;
  finished_at: string | null;
  attempt: number;
  output: unknown;
  error: unknown;
  text: string;
  usage: Usage | null;
  tool_calls?: ToolCall[];
  duration_ms?: number;
  reason?: string;
}

export interface Approval {
  id: string;
  node: string | null;
  prompt: string;
  payload: unknown;
  status: 'pending' | 'approve' | 'reject' | string;
  comment?: string;
  by?: string;
}

export interface Message {
  channel: string;
  sender: string;
  text: string;
  ts?: string;
  node?: string | null;
}

export interface RunState {
  seq: number;
  run: Partial<Run> & { status?: RunStatus };
  nodes: Record<string, NodeRun>;
  approvals: Approval[];
  memory: Record<string, unknown>;
  messages: Message[];
  budgets: Record<string, unknown>[];
  pending: Record<number, EventEnvelope>;
}

export interface Snapshot {
  seq: number;
  run: Partial<Run>;
  nodes: Record<string, Partial<NodeRun>>;
  approvals?: Partial<Approval & { approval_id: string }>[];
  memory?: Record<string, unknown>;
  messages?: Message[];
  budgets?: Record<string, unknown>[];
}

export function emptyRunState(): RunState {
  return { seq: 0, run: {}, nodes: {}, approvals: [], memory: {}, messages: [], budgets: [], pending: {} };
}

export function blankNode(): NodeRun {
  return {
    status: 'queued',
    started_at: null,
    finished_at: null,
    attempt: 0,
    output: null,
    error: null,
    text: '',
    usage: null,
  };
}

export function fromSnapshot(s: Snapshot): RunState {
  const nodes: Record<string, NodeRun> = {};
  for (const [id, n] of Object.entries(s.nodes ?? {})) nodes[id] = { ...blankNode(), ...n, text: n.text ?? '' };
  const approvals = (s.approvals ?? []).map((a) => ({
    id: String(a.id ?? a.approval_id ?? ''),
    node: a.node ?? null,
    prompt: a.prompt ?? '',
    payload: a.payload ?? null,
    status: a.status ?? 'pending',
    comment: a.comment,
    by: a.by,
  }));
  return {
    ...emptyRunState(),
    seq: s.seq,
    run: { ...s.run },
    nodes,
    approvals,
    memory: { ...(s.memory ?? {}) },
    messages: [...(s.messages ?? [])],
    budgets: [...(s.budgets ?? [])],
  };
}

type Handler = (s: RunState, e: EventEnvelope) => RunState;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

function deepMerge(current: Obj, incoming: Obj): Obj {
  const out: Obj = { ...current };
  for (const [k, v] of Object.entries(incoming)) out[k] = isObj(out[k]) && isObj(v) ? deepMerge(out[k] as Obj, v) : v;
  return out;
}

/** The blackboard merge rules (agents/memory/blackboard.py); a write that cannot merge stores the value. */
export function mergeMemory(policy: string, current: unknown, incoming: unknown): unknown {
  if (policy === 'append') {
    const base = current === undefined || current === null ? [] : Array.isArray(current) ? current : [current];
    return [...base, ...(Array.isArray(incoming) ? incoming : [incoming])];
  }
  if (policy === 'merge') {
    const base = current === undefined || current === null ? {} : current;
    return isObj(base) && isObj(incoming) ? deepMerge(base, incoming) : incoming;
  }
  return incoming;
}

function setRun(s: RunState, patch: Partial<Run>): RunState {
  return { ...s, run: { ...s.run, ...patch } };
}

function setNode(s: RunState, id: string | null, patch: (n: NodeRun) => Partial<NodeRun>): RunState {
  if (!id) return s;
  const cur = s.nodes[id] ?? blankNode();
  return { ...s, nodes: { ...s.nodes, [id]: { ...cur, ...patch(cur) } } };
}

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

const HANDLERS: Record<string, Handler> = {
  'run.started': (s, e) => setRun(s, { status: 'running', started_at: s.run.started_at ?? e.ts }),
  'run.finished': (s, e) =>
    setRun(s, {
      status: 'succeeded',
      finished_at: e.ts,
      ...(e.data.outputs !== undefined ? { outputs: e.data.outputs } : {}),
      ...(e.data.usage ? { usage: e.data.usage as Usage } : {}),
    }),
  'run.failed': (s, e) => setRun(s, { status: 'failed', finished_at: e.ts, error: e.data.error ?? null }),
  'run.cancelled': (s, e) => setRun(s, { status: 'cancelled', finished_at: e.ts }),
  'run.paused': (s) => setRun(s, { status: 'paused' }),
  'run.resumed': (s) => setRun(s, { status: 'running' }),
  'node.started': (s, e) =>
    setNode(s, e.node, (n) => ({
      status: 'running',
      started_at: e.ts,
      finished_at: null,
      attempt: typeof e.data.attempt === 'number' ? e.data.attempt : n.attempt + 1,
      text: '',
      error: null,
    })),
  'node.token': (s, e) => setNode(s, e.node, (n) => ({ text: n.text + str(e.data.text) })),
  'node.tool_call': (s, e) =>
    setNode(s, e.node, (n) => ({
      tool_calls: [
        ...(n.tool_calls ?? []),
        { call_id: str(e.data.call_id), tool: str(e.data.tool), arguments: e.data.arguments, done: false },
      ],
    })),
  'node.tool_result': (s, e) =>
    setNode(s, e.node, (n) => ({
      tool_calls: (n.tool_calls ?? []).map((c) =>
        c.call_id === str(e.data.call_id) ? { ...c, result: e.data.result, error: e.data.error, done: true } : c,
      ),
    })),
  'node.finished': (s, e) =>
    setNode(s, e.node, () => ({
      status: 'succeeded',
      finished_at: e.ts,
      output: e.data.output ?? null,
      usage: (e.data.usage as Usage) ?? null,
      duration_ms: e.data.duration_ms as number | undefined,
    })),
  // `stopped`: interrupted by a cancel or another node's failure, so not a failure of its own.
  'node.failed': (s, e) =>
    setNode(s, e.node, () => ({
      status: e.data.stopped ? 'cancelled' : 'failed',
      finished_at: e.ts,
      error: e.data.error ?? null,
    })),
  'node.retrying': (s, e) =>
    setNode(s, e.node, (n) => ({ attempt: (e.data.attempt as number) ?? n.attempt, error: e.data.error ?? null })),
  'node.skipped': (s, e) => setNode(s, e.node, () => ({ status: 'skipped', reason: str(e.data.reason) })),
  'approval.requested': (s, e) => {
    const next = setNode(s, e.node, () => ({ status: 'paused' }));
    const approval: Approval = {
      id: str(e.data.approval_id),
      node: e.node,
      prompt: str(e.data.prompt),
      payload: e.data.payload ?? null,
      status: 'pending',
    };
    return { ...next, approvals: [...next.approvals.filter((a) => a.id !== approval.id), approval] };
  },
  'approval.resolved': (s, e) => {
    const id = str(e.data.approval_id);
    const a = s.approvals.find((x) => x.id === id);
    let next: RunState = {
      ...s,
      approvals: s.approvals.map((x) =>
        x.id === id ? { ...x, status: str(e.data.decision), comment: str(e.data.comment), by: str(e.data.by) } : x,
      ),
    };
    const nodeId = a?.node ?? e.node;
    if (nodeId && next.nodes[nodeId]?.status === 'paused') next = setNode(next, nodeId, () => ({ status: 'running' }));
    return next;
  },
  'memory.written': (s, e) => {
    const key = str(e.data.key);
    return {
      ...s,
      memory: { ...s.memory, [key]: mergeMemory(str(e.data.policy) || 'replace', s.memory[key], e.data.value) },
    };
  },
  'message.posted': (s, e) => ({
    ...s,
    messages: [
      ...s.messages,
      { channel: str(e.data.channel), sender: str(e.data.sender), text: str(e.data.text), ts: e.ts, node: e.node },
    ],
  }),
  'budget.exceeded': (s, e) => ({ ...s, budgets: [...s.budgets, { ...e.data, node: e.node, ts: e.ts }] }),
};

function applyOne(s: RunState, e: EventEnvelope): RunState {
  const h = HANDLERS[e.type];
  const next = h ? h(s, e) : s;
  return { ...next, seq: e.seq };
}

/** Apply a batch: drop duplicates, apply contiguous events in seq order, hold the rest. */
export function applyEvents(state: RunState, events: EventEnvelope[]): RunState {
  const pending = { ...state.pending };
  for (const e of events) if (e.seq > state.seq) pending[e.seq] = e;
  let s: RunState = { ...state, pending };
  while (pending[s.seq + 1]) {
    const e = pending[s.seq + 1];
    delete pending[s.seq + 1];
    s = applyOne(s, e);
  }
  for (const k of Object.keys(pending)) if (Number(k) <= s.seq) delete pending[Number(k)];
  return { ...s, pending };
}

export function hasGap(s: RunState): boolean {
  return Object.keys(s.pending).length > 0;
}

export const TERMINAL: RunStatus[] = ['succeeded', 'failed', 'cancelled'];

export function isTerminal(status: RunStatus | undefined): boolean {
  return !!status && TERMINAL.includes(status);
}

export function totalUsage(s: RunState): Required<Usage> {
  const t = { input_tokens: 0, output_tokens: 0, cost: 0 };
  for (const n of Object.values(s.nodes)) {
    t.input_tokens += n.usage?.input_tokens ?? 0;
    t.output_tokens += n.usage?.output_tokens ?? 0;
    t.cost += n.usage?.cost ?? 0;
  }
  return t;
}

/** The exact tokens a node reported (0 when it reported none, e.g. it was stopped mid-stream). */
export function usageTokens(usage: Usage | null | undefined): number {
  return (usage?.input_tokens ?? 0) + (usage?.output_tokens ?? 0);
}

/** Tokens in streamed text whose node has not reported its usage yet: about four characters each. */
export function estimateTokens(text: string): number {
  return text ? Math.max(1, Math.round(text.length / 4)) : 0;
}

/**
 * Tokens so far: the exact usage of nodes that reported it, plus an estimate from the text of nodes
 * still streaming (their usage arrives with node.finished). Derived from node text, so a reload
 * mid-run shows the same figure.
 */
export function liveTokens(s: RunState): { tokens: number; estimated: boolean } {
  let tokens = 0;
  let estimated = false;
  for (const n of Object.values(s.nodes)) {
    const exact = usageTokens(n.usage);
    if (exact) tokens += exact;
    else if (n.text) {
      tokens += estimateTokens(n.text);
      estimated = true;
    }
  }
  return { tokens, estimated };
}
