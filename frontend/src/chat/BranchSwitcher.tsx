/** "‹ 2 / 3 ›" under a message that has other versions (an edited question, a regenerated
 * answer): steps to the previous or next version and shows that branch's continuation. */
import type { ChatMessage } from '../api/chat';
import type { Chat } from './useChat';

export interface BranchPosition {
  index: number; // 1-based, as shown
  total: number;
  prev: ChatMessage['id'] | null;
  next: ChatMessage['id'] | null;
}

/** Where `m` stands among its versions; null when it has none. */
export function branchPosition(m: ChatMessage): BranchPosition | null {
  const versions = m.siblings ?? [];
  const at = versions.findIndex((id) => String(id) === String(m.id));
  if (versions.length < 2 || at < 0) return null;
  return {
    index: at + 1,
    total: versions.length,
    prev: at > 0 ? versions[at - 1] : null,
    next: at < versions.length - 1 ? versions[at + 1] : null,
  };
}

export function BranchSwitcher({ m, chat, locked }: { m: ChatMessage; chat: Chat; locked: boolean }) {
  const at = branchPosition(m);
  if (!at) return null;
  const what = m.role === 'user' ? 'version of this message' : 'answer';
  const go = (id: ChatMessage['id'] | null) => id !== null && void chat.switchTo(id);
  return (
    <span
      className="chat-branch"
      data-testid="chat-branch"
      role="group"
      aria-label={`Versions of this ${m.role === 'user' ? 'message' : 'answer'}`}
    >
      <button
        className="small ghost"
        disabled={locked || chat.busy || at.prev === null}
        onClick={() => go(at.prev)}
        aria-label={`Previous ${what}`}
        title={`Previous ${what}`}
        data-testid="chat-branch-prev"
      >
        ‹
      </button>
      <span className="chat-branch-pos" data-testid="chat-branch-pos">
        {at.index} / {at.total}
      </span>
      <button
        className="small ghost"
        disabled={locked || chat.busy || at.next === null}
        onClick={() => go(at.next)}
        aria-label={`Next ${what}`}
        title={`Next ${what}`}
        data-testid="chat-branch-next"
      >
        ›
      </button>
    </span>
  );
}
