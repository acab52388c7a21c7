import { describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../api/types';
import {
  applyEvents,
  emptyRunState,
  estimateTokens,
  fromSnapshot,
  hasGap,
  liveTokens,
  totalUsage,
  type RunState,
} from './dispatch';

let seq = 0;
const ev = (
  type: string,
  node: string | null,
  data: Record<string, unknown> = {},
  ts = `2026-01-01T00:00:${String(seq).padStart(2, '0')}Z`,
): EventEnvelope => ({
  run: 'r1',
  seq: ++seq,
  type,
  node,
  ts,
  data,
});

function script(): EventEnvelope[] {
  seq = 0;
  return [
    ev('run.started', null),
    ev('node.started', 'n1'),
    ev('node.started', 'n2'),
    ev('node.token', 'n1', { text: 'Hel' }),
    ev('node.tool_call', 'n2', { call_id: 'c1', tool: 'calculator', arguments: { expr: '1+1' } }),
    ev('node.token', 'n1', { text: 'lo' }),
    ev('node.tool_result', 'n2', { call_id: 'c1', result: 2, error: null }),
    ev('memory.written', 'n2', { key: 'sum', value: 2, policy: 'replace' }),
    ev('message.posted', 'n2', { channel: 'team', sender: 'calc', text: 'done' }),
    ev('memory.written', 'n2', { key: 'notes', value: 'a', policy: 'append' }),
    ev('memory.written', 'n2', { key: 'notes', value: ['b'], policy: 'append' }),
    ev('memory.written', 'n2', { key: 'cfg', value: { a: { x: 1 } }, policy: 'merge' }),
    ev('memory.written', 'n2', { key: 'cfg', value: { a: { y: 2 }, b: 3 }, policy: 'merge' }),
    ev('budget.exceeded', 'n2', { budget: 'tokens', limit: 10, used: 12 }),
    ev('node.finished', 'n1', {
      output: 'Hello',
      usage: { input_tokens: 3, output_tokens: 2, cost: 0.01 },
      duration_ms: 5,
    }),
    ev('node.failed', 'n2', { error: 'boom' }),
    ev('node.skipped', 'n3', { reason: 'upstream failed' }),
    ev('node.started', 'n4'),
    ev('approval.requested', 'n4', { approval_id: 'a1', prompt: 'OK?', payload: { x: 1 } }),
    ev('run.paused', null),
    ev('approval.resolved', 'n4', { approval_id: 'a1', decision: 'approve', comment: 'fine', by: 'ann' }),
    ev('run.resumed', null),
    ev('node.finished', 'n4', { output: true, usage: { input_tokens: 0, output_tokens: 0, cost: 0 } }),
    ev('run.finished', null, { outputs: { answer: 'Hello' } }),
  ];
}

describe('run event dispatch', () => {
  it('builds the final state from events', () => {
    const s = applyEvents(emptyRunState(), script());
    expect(s.seq).toBe(24);
    expect(s.run.status).toBe('succeeded');
    expect(s.run.outputs).toEqual({ answer: 'Hello' });
    expect(s.nodes.n1).toMatchObject({ status: 'succeeded', text: 'Hello', output: 'Hello', attempt: 1 });
    expect(s.nodes.n2.status).toBe('failed');
    expect(s.nodes.n2.tool_calls).toEqual([
      { call_id: 'c1', tool: 'calculator', arguments: { expr: '1+1' }, result: 2, error: null, done: true },
    ]);
    expect(s.nodes.n3).toMatchObject({ status: 'skipped', reason: 'upstream failed' });
    expect(s.nodes.n4.status).toBe('succeeded');
    expect(s.approvals).toEqual([
      { id: 'a1', node: 'n4', prompt: 'OK?', payload: { x: 1 }, status: 'approve', comment: 'fine', by: 'ann' },
    ]);
    expect(s.memory).toEqual({ sum: 2, notes: ['a', 'b'], cfg: { a: { x: 1, y: 2 }, b: 3 } });
    expect(s.budgets).toEqual([{ budget: 'tokens', limit: 10, used: 12, node: 'n2', ts: expect.any(String) }]);
    expect(s.messages.map((m) => m.text)).toEqual(['done']);
    expect(totalUsage(s)).toEqual({ input_tokens: 3, output_tokens: 2, cost: 0.01 });
  });

  it('snapshot at any point plus the later events equals applying all events', () => {
    const events = script();
    const full = applyEvents(emptyRunState(), events);
    for (let cut = 0; cut <= events.length; cut++) {
      const mid = applyEvents(emptyRunState(), events.slice(0, cut));
      const snapshot = JSON.parse(
        JSON.stringify({
          seq: mid.seq,
          run: mid.run,
          nodes: mid.nodes,
          approvals: mid.approvals,
          memory: mid.memory,
          messages: mid.messages,
          budgets: mid.budgets,
        }),
      );
      const resumed = applyEvents(fromSnapshot(snapshot), events.slice(cut));
      expect(strip(resumed)).toEqual(strip(full));
    }
  });

  it('drops duplicate events (seq already seen) on reconnect', () => {
    const events = script();
    const once = applyEvents(emptyRunState(), events);
    const twice = applyEvents(applyEvents(emptyRunState(), events.slice(0, 10)), events.slice(5));
    expect(strip(twice)).toEqual(strip(once));
    expect(twice.nodes.n1.text).toBe('Hello');
  });

  it('applies out-of-order events in seq order and waits for gaps', () => {
    const events = script();
    const shuffled = [...events].reverse();
    expect(strip(applyEvents(emptyRunState(), shuffled))).toEqual(strip(applyEvents(emptyRunState(), events)));
    const gap = applyEvents(emptyRunState(), [events[0], events[2]]);
    expect(gap.seq).toBe(1);
    expect(hasGap(gap)).toBe(true);
    const filled = applyEvents(gap, [events[1]]);
    expect(filled.seq).toBe(3);
    expect(hasGap(filled)).toBe(false);
  });

  it('a retried node starts with fresh text and a higher attempt', () => {
    seq = 0;
    const s = applyEvents(emptyRunState(), [
      ev('node.started', 'n1'),
      ev('node.token', 'n1', { text: 'bad' }),
      ev('node.retrying', 'n1', { attempt: 2, error: 'x' }),
      ev('node.started', 'n1', { attempt: 2 }),
      ev('node.token', 'n1', { text: 'good' }),
    ]);
    expect(s.nodes.n1).toMatchObject({ attempt: 2, text: 'good', status: 'running', error: null });
  });
});

function strip(s: RunState) {
  return { ...s, pending: {} };
}

describe('run trace log', () => {
  it('keeps events once each, in seq order', async () => {
    const { mergeLog } = await import('./runStore');
    const events = script();
    const log = mergeLog(mergeLog([], events.slice(5, 10)), [...events.slice(0, 7)].reverse());
    expect(log.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});

describe('memory merge policies', () => {
  it('follows the blackboard rules', async () => {
    const { mergeMemory } = await import('./dispatch');
    expect(mergeMemory('replace', [1], 2)).toBe(2);
    expect(mergeMemory('append', undefined, 1)).toEqual([1]);
    expect(mergeMemory('append', 'x', ['y'])).toEqual(['x', 'y']);
    expect(mergeMemory('merge', null, { a: 1 })).toEqual({ a: 1 });
    expect(mergeMemory('merge', 'text', { a: 1 })).toEqual({ a: 1 });
  });
});

describe('live token count', () => {
  it('estimates the tokens of text still streaming, before any usage arrives', () => {
    seq = 0;
    const s = applyEvents(emptyRunState(), [
      ev('run.started', null),
      ev('node.started', 'a'),
      ev('node.token', 'a', { text: 'The quick brown fox ' }),
      ev('node.token', 'a', { text: 'jumps.' }),
    ]);
    expect(liveTokens(s)).toEqual({ tokens: estimateTokens('The quick brown fox jumps.'), estimated: true });
    expect(liveTokens(s).tokens).toBeGreaterThan(0);
  });

  it('grows with every token frame', () => {
    seq = 0;
    const one = applyEvents(emptyRunState(), [
      ev('node.started', 'a'),
      ev('node.token', 'a', { text: 'word '.repeat(10) }),
    ]);
    const two = applyEvents(one, [ev('node.token', 'a', { text: 'word '.repeat(10) })]);
    expect(liveTokens(two).tokens).toBeGreaterThan(liveTokens(one).tokens);
  });

  it('switches to the exact usage when the node finishes, and adds nodes still streaming', () => {
    seq = 0;
    const s = applyEvents(emptyRunState(), [
      ev('node.started', 'a'),
      ev('node.started', 'b'),
      ev('node.token', 'a', { text: 'x'.repeat(400) }),
      ev('node.token', 'b', { text: 'y'.repeat(40) }),
      ev('node.finished', 'a', { output: 'x', usage: { input_tokens: 30, output_tokens: 7, cost: 0 } }),
    ]);
    expect(liveTokens(s)).toEqual({ tokens: 37 + estimateTokens('y'.repeat(40)), estimated: true });
    const done = applyEvents(s, [
      ev('node.finished', 'b', { output: 'y', usage: { input_tokens: 5, output_tokens: 9, cost: 0 } }),
    ]);
    expect(liveTokens(done)).toEqual({ tokens: 51, estimated: false });
  });

  it('counts nothing for a run that has not streamed', () => {
    expect(liveTokens(emptyRunState())).toEqual({ tokens: 0, estimated: false });
    expect(estimateTokens('')).toBe(0);
  });
});
