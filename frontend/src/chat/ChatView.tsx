/** A conversation and its composer; used by the Chat page and the editor's playground. */
import { useEffect, useRef, useState } from 'react';
import { ErrorBanner } from '../components/common';
import { AssistantMessage, UserMessage } from './MessageView';
import { lastAnswer, streamingMessage } from './stream';
import { useChat, type Chat } from './useChat';

/** Keep the view pinned to the bottom while the answer grows, unless the reader scrolled up. */
function useStickToBottom() {
  const box = useRef<HTMLDivElement>(null);
  const inner = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el || !inner.current || typeof ResizeObserver === 'undefined') return;
    let pinned = true;
    const onScroll = () => (pinned = el.scrollHeight - el.scrollTop - el.clientHeight < 80);
    const obs = new ResizeObserver(() => {
      if (pinned) el.scrollTop = el.scrollHeight;
    });
    el.addEventListener('scroll', onScroll);
    obs.observe(inner.current);
    return () => {
      el.removeEventListener('scroll', onScroll);
      obs.disconnect();
    };
  }, []);
  return { box, inner };
}

function Composer({ chat, placeholder }: { chat: Chat; placeholder: string }) {
  const [text, setText] = useState('');
  const streaming = streamingMessage(chat.messages ?? []);
  const submit = async () => {
    if (await chat.send(text)) setText('');
  };
  return (
    <form
      className="chat-composer"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <textarea
        value={text}
        placeholder={placeholder}
        rows={2}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
            e.preventDefault();
            if (!streaming) void submit();
          }
        }}
        data-testid="chat-input"
      />
      {streaming ? (
        <button type="button" className="danger" onClick={() => chat.stop(streaming)} data-testid="chat-stop">
          ■ Stop
        </button>
      ) : (
        <button type="submit" className="primary" disabled={chat.busy} data-testid="chat-send">
          Send
        </button>
      )}
      {chat.sendError && (
        <div className="field-error chat-send-error" role="alert" data-testid="chat-send-error">
          {chat.sendError}
        </div>
      )}
    </form>
  );
}

export function ChatView({
  sessionId,
  onTurn,
  beforeSend,
  empty = 'Say hello — each message runs the workflow with the conversation so far.',
}: {
  sessionId: string;
  onTurn?: () => void;
  /** Runs before each message is sent (the playground saves the draft first). */
  beforeSend?: () => Promise<void>;
  empty?: string;
}) {
  const chat = useChat(sessionId, onTurn, beforeSend);
  const { box, inner } = useStickToBottom();
  const messages = chat.messages ?? [];
  const last = lastAnswer(messages);
  const streaming = !!streamingMessage(messages);
  return (
    <div className="chat-view">
      <div className="chat-scroll" ref={box}>
        <div className="chat-thread" ref={inner} data-testid="chat-thread">
          <ErrorBanner error={chat.error} />
          {!chat.messages && !chat.error && <div className="hint">Loading conversation…</div>}
          {chat.messages && !messages.length && <div className="chat-empty">{empty}</div>}
          {messages.map((m) =>
            m.role === 'user' ? (
              <UserMessage key={m.id} m={m} chat={chat} canEdit={!streaming} />
            ) : (
              <AssistantMessage key={m.id} m={m} chat={chat} isLast={m === last} locked={streaming} />
            ),
          )}
        </div>
      </div>
      <Composer chat={chat} placeholder="Message the workflow… (Enter to send, Shift+Enter for a new line)" />
    </div>
  );
}
