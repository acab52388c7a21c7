import { cleanup, fireEvent, render } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChatMessage } from '../api/chat';
import { BranchSwitcher, branchPosition } from './BranchSwitcher';
import type { Chat } from './useChat';

afterEach(cleanup);

function question(id: number, siblings?: number[]): ChatMessage {
  return {
    id,
    parent: 2,
    siblings,
    role: 'user',
    content: 'hi',
    run: null,
    status: 'done',
    error: null,
    stream_nodes: [],
    tokens: 0,
    cost: 0,
    tool_calls: [],
    approvals: [],
    feedback: { rating: null, comment: '' },
    note: '',
    created_at: '2026-01-01T00:00:00Z',
  };
}

const chatWith = (switchTo = vi.fn(), busy = false) => ({ busy, switchTo }) as unknown as Chat;

describe('the branch switcher', () => {
  it('knows where a message stands among its versions', () => {
    expect(branchPosition(question(5, [3, 5, 9]))).toEqual({ index: 2, total: 3, prev: 3, next: 9 });
    expect(branchPosition(question(3, [3, 5]))).toEqual({ index: 1, total: 2, prev: null, next: 5 });
    expect(branchPosition(question(3, [3]))).toBeNull();
    expect(branchPosition(question(3))).toBeNull(); // an older server sends no siblings
  });

  it('shows nothing for a message without other versions', () => {
    const view = render(<BranchSwitcher m={question(3, [3])} chat={chatWith()} locked={false} />);
    expect(view.queryByTestId('chat-branch')).toBeNull();
  });

  it('shows "2 / 3" and switches to the previous and next versions', () => {
    const switchTo = vi.fn();
    const view = render(<BranchSwitcher m={question(5, [3, 5, 9])} chat={chatWith(switchTo)} locked={false} />);
    expect(view.getByTestId('chat-branch-pos').textContent).toBe('2 / 3');
    fireEvent.click(view.getByRole('button', { name: 'Previous version of this message' }));
    fireEvent.click(view.getByRole('button', { name: 'Next version of this message' }));
    expect(switchTo.mock.calls).toEqual([[3], [9]]);
  });

  it('cannot step past the ends, nor while an answer streams', () => {
    const first = render(<BranchSwitcher m={question(3, [3, 5])} chat={chatWith()} locked={false} />);
    expect((first.getByTestId('chat-branch-prev') as HTMLButtonElement).disabled).toBe(true);
    expect((first.getByTestId('chat-branch-next') as HTMLButtonElement).disabled).toBe(false);
    cleanup();
    const locked = render(<BranchSwitcher m={question(3, [3, 5])} chat={chatWith()} locked />);
    expect((locked.getByTestId('chat-branch-next') as HTMLButtonElement).disabled).toBe(true);
  });
});
