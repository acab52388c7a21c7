import { cleanup, render } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../api/chat';
import { AssistantMessage } from './MessageView';
import type { Chat } from './useChat';

afterEach(cleanup);

const chat = { busy: false, sendError: null, messages: [] } as unknown as Chat;

function answer(patch: Partial<ChatMessage>): ChatMessage {
  return {
    id: 2,
    parent: 1,
    role: 'assistant',
    content: 'Fine.',
    run: 'run-1',
    status: 'done',
    error: null,
    stream_nodes: ['agent'],
    tokens: 12,
    cost: 0,
    tool_calls: [],
    approvals: [],
    feedback: { rating: null, comment: '' },
    note: '',
    created_at: '2026-01-01T00:00:00Z',
    ...patch,
  };
}

const view = (m: ChatMessage, isLast = true) =>
  render(
    <MemoryRouter>
      <AssistantMessage m={m} chat={chat} isLast={isLast} />
    </MemoryRouter>,
  ).container;

describe('a settled answer', () => {
  it('shows the trimmed-history note above the answer', () => {
    const box = view(answer({ note: 'history trimmed to fit the model: 12 earlier messages left out' }));
    expect(box.querySelector('[data-testid=chat-note]')?.textContent).toContain('12 earlier messages left out');
  });

  it('shows why the run failed, and keeps what was written', () => {
    const box = view(answer({ status: 'failed', content: 'Partial', error: { message: 'model timed out' } }));
    expect(box.querySelector('[role=alert]')?.textContent).toBe('The run failed: model timed out');
    expect(box.querySelector('.md')?.textContent).toBe('Partial');
  });

  it('collapses tool calls and offers inline approval of a pending one', () => {
    const box = view(
      answer({
        tool_calls: [{ name: 'calculator', ok: true, summary: '84' }],
        approvals: [{ id: 'a1', node: 'gate', status: 'pending', prompt: 'Send it?' }],
      }),
    );
    expect(box.querySelector('details summary')?.textContent).toBe('1 tool call · 1 approval');
    expect(box.querySelector('details')?.hasAttribute('open')).toBe(false);
    const approval = box.querySelector('[data-testid=chat-approval]')!;
    expect(approval.textContent).toContain('Send it?');
    expect([...approval.querySelectorAll('button')].map((b) => b.textContent)).toEqual(['Approve', 'Reject']);
  });

  it('links the full trace and offers regenerate only on the last answer', () => {
    const last = view(answer({}));
    expect(last.querySelector('[data-testid=chat-trace]')?.getAttribute('href')).toBe('/runs/run-1');
    expect(last.querySelector('[data-testid=chat-regenerate]')).not.toBeNull();
    cleanup();
    expect(view(answer({}), false).querySelector('[data-testid=chat-regenerate]')).toBeNull();
  });

  it('marks a stopped answer and shows the given rating as pressed', () => {
    const box = view(answer({ status: 'stopped', feedback: { rating: 'down', comment: 'too short' } }));
    expect(box.textContent).toContain('Stopped.');
    expect(box.querySelector('[data-testid=chat-thumb-down]')?.getAttribute('aria-pressed')).toBe('true');
    expect(box.querySelector('[data-testid=chat-thumb-up]')?.getAttribute('aria-pressed')).toBe('false');
  });
});
