import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../api/chat';
import type { EventEnvelope } from '../api/types';
import { applyEvents, emptyRunState } from '../run/dispatch';
import { assembleAnswer, lastAnswer, streamingMessage, summarize } from './stream';

let seq = 0;
const ev = (type: string, node: string | null, data: Record<string, unknown> = {}): EventEnvelope => ({
  run: 'r1',
  seq: ++seq,
  type,
  node,
  ts: '2026-01-01T00:00:00Z',
  data,
});

function run(events: EventEnvelope[]) {
  return applyEvents(emptyRunState(), events);
}

describe('stream assembly', () => {
  it('shows the tokens of the stream nodes as they arrive, before the run finishes', () => {
    seq = 0;
    const s = run([
      ev('run.started', null),
      ev('node.started', 'agent'),
      ev('node.token', 'agent', { text: 'Hel' }),
      ev('node.token', 'agent', { text: 'lo' }),
    ]);
    const a = assembleAnswer(s, ['agent']);
    expect(a.text).toBe('Hello');
    expect(a.finished).toBe(false);
  });

  it('leaves out the text of nodes that are not stream nodes and lists them as steps', () => {
    seq = 0;
    const s = run([
      ev('node.started', 'researcher'),
      ev('node.token', 'researcher', { text: 'notes for the writer' }),
      ev('node.started', 'writer'),
      ev('node.token', 'writer', { text: 'Answer' }),
    ]);
    const a = assembleAnswer(s, ['writer']);
    expect(a.text).toBe('Answer');
    expect(a.steps).toEqual([{ node: 'researcher', status: 'running', text: 'notes for the writer' }]);
  });

  it('joins several stream nodes in the order the message lists them', () => {
    seq = 0;
    const s = run([
      ev('node.started', 'b'),
      ev('node.token', 'b', { text: 'second' }),
      ev('node.started', 'a'),
      ev('node.token', 'a', { text: 'first' }),
    ]);
    expect(assembleAnswer(s, ['a', 'b']).text).toBe('first\n\nsecond');
  });

  it('starts the text again when a stream node retries', () => {
    seq = 0;
    const s = run([
      ev('node.started', 'agent'),
      ev('node.token', 'agent', { text: 'broken ans' }),
      ev('node.started', 'agent', { attempt: 2 }),
      ev('node.token', 'agent', { text: 'good' }),
    ]);
    expect(assembleAnswer(s, ['agent']).text).toBe('good');
  });

  it('summarises tool calls: running, succeeded and failed', () => {
    seq = 0;
    const s = run([
      ev('node.started', 'agent'),
      ev('node.tool_call', 'agent', { call_id: '1', tool: 'calculator', arguments: { expression: '2+2' } }),
      ev('node.tool_result', 'agent', { call_id: '1', result: 4 }),
      ev('node.tool_call', 'agent', { call_id: '2', tool: 'search', arguments: { q: 'x' } }),
      ev('node.tool_result', 'agent', { call_id: '2', error: 'index missing' }),
      ev('node.tool_call', 'agent', { call_id: '3', tool: 'calculator', arguments: { expression: '1/0' } }),
    ]);
    expect(assembleAnswer(s, ['agent']).tools).toEqual([
      { name: 'calculator', ok: true, summary: '4' },
      { name: 'search', ok: false, summary: 'index missing' },
      { name: 'calculator', ok: null, summary: '{"expression":"1/0"}' },
    ]);
  });

  it('carries approvals and marks the answer finished when the run ends', () => {
    seq = 0;
    const s = run([
      ev('node.started', 'gate'),
      ev('approval.requested', 'gate', { approval_id: 'ap1', prompt: 'Send the mail?' }),
      ev('approval.resolved', 'gate', { approval_id: 'ap1', decision: 'approve' }),
      ev('run.cancelled', null),
    ]);
    const a = assembleAnswer(s, ['agent']);
    expect(a.approvals.map((x) => [x.id, x.prompt, x.status])).toEqual([['ap1', 'Send the mail?', 'approve']]);
    expect(a.finished).toBe(true);
    expect(a.status).toBe('cancelled');
  });

  it('uses a finished stream node output when it streamed no tokens', () => {
    seq = 0;
    const s = run([ev('node.started', 'out'), ev('node.finished', 'out', { output: 'whole answer' })]);
    expect(assembleAnswer(s, ['out']).text).toBe('whole answer');
  });
});

describe('message helpers', () => {
  const msg = (id: number, role: 'user' | 'assistant', status: ChatMessage['status'] = 'done') =>
    ({ id, role, status }) as ChatMessage;

  it('finds the streaming answer and the last answer', () => {
    const ms = [msg(1, 'user'), msg(2, 'assistant'), msg(3, 'user'), msg(4, 'assistant', 'streaming')];
    expect(streamingMessage(ms)?.id).toBe(4);
    expect(lastAnswer(ms)?.id).toBe(4);
    expect(streamingMessage(ms.slice(0, 3))).toBeUndefined();
    expect(lastAnswer(ms.slice(0, 1))).toBeUndefined();
  });

  it('summarises long or structured values on one short line', () => {
    expect(summarize({ a: [1, 2] })).toBe('{"a":[1,2]}');
    expect(summarize('a\n\n b')).toBe('a b');
    expect(summarize('x'.repeat(200), 10)).toBe('xxxxxxxxx…');
    expect(summarize(null)).toBe('');
  });
});
