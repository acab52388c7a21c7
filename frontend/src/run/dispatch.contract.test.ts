/**
 * The browser's event fold (dispatch.ts) against the shared trace fixture that the server's fold
 * (workflows/runs/snapshot.py, tests/workflows/test_event_fold_contract.py) is checked against too.
 */
import { describe, expect, it } from 'vitest';
import fixture from '../../../tests/fixtures/event_traces.json';
import type { EventEnvelope } from '../api/types';
import { applyEvents, emptyRunState, totalUsage, type NodeRun, type RunState, type ToolCall } from './dispatch';

interface Trace {
  name: string;
  events: EventEnvelope[];
  expected: unknown;
}

const TRACES = fixture.traces as unknown as Trace[];
const RUN_KEYS = ['status', 'outputs', 'error'] as const;
const orNull = (v: unknown) => (v === undefined ? null : v);

function toolCall(c: ToolCall) {
  return {
    call_id: c.call_id,
    tool: c.tool,
    arguments: orNull(c.arguments),
    result: orNull(c.result),
    error: orNull(c.error),
    done: c.done,
  };
}

function node(n: NodeRun) {
  const keys = ['status', 'attempt', 'text', 'output', 'error', 'usage', 'duration_ms'] as const;
  const out: Record<string, unknown> = Object.fromEntries(keys.map((k) => [k, orNull(n[k])]));
  out.tool_calls = (n.tool_calls ?? []).map(toolCall);
  if ('reason' in n) out.reason = n.reason;
  return out;
}

/** The common subset both folds are held to (see the fixture's `shape`). */
function neutral(s: RunState) {
  const run = s.run as Record<string, unknown>;
  const { input_tokens, output_tokens } = totalUsage(s);
  return {
    seq: s.seq,
    run: Object.fromEntries(RUN_KEYS.filter((k) => k in run).map((k) => [k, run[k]])),
    nodes: Object.fromEntries(Object.entries(s.nodes).map(([id, n]) => [id, node(n)])),
    approvals: s.approvals.map((a) => ({
      id: a.id,
      node: a.node,
      prompt: a.prompt,
      payload: orNull(a.payload),
      status: a.status,
      comment: orNull(a.comment),
      by: orNull(a.by),
    })),
    memory: s.memory,
    messages: s.messages,
    budgets: s.budgets,
    tokens: { input_tokens, output_tokens },
  };
}

describe('the shared event trace fixture', () => {
  it('has traces', () => {
    expect(TRACES.length).toBeGreaterThan(5);
  });

  for (const trace of TRACES) {
    it(`folds "${trace.name}" into the expected state`, () => {
      expect(neutral(applyEvents(emptyRunState(), trace.events))).toEqual(trace.expected);
    });

    it(`folds "${trace.name}" one event at a time, and shuffled, into the same state`, () => {
      const one = trace.events.reduce((s, e) => applyEvents(s, [e]), emptyRunState());
      expect(neutral(one)).toEqual(trace.expected);
      expect(neutral(applyEvents(emptyRunState(), [...trace.events].reverse()))).toEqual(trace.expected);
    });
  }
});
