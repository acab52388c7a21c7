/** One message of the conversation: a user turn (copy, edit and resend) or an answer. */
import { useState } from 'react';
import { Link } from 'react-router-dom';
import type { ChatMessage, Rating } from '../api/chat';
import { Icon } from '../components/icons';
import { fmtCost } from '../lib/ui';
import { Activity } from './Activity';
import { BranchSwitcher } from './BranchSwitcher';
import { copyText } from './copy';
import { Markdown } from './Markdown';
import { storedTools } from './stream';
import type { Chat } from './useChat';
import { useLiveAnswer } from './useChat';

function errorText(e: unknown): string {
  if (!e) return '';
  if (typeof e === 'string') return e;
  const msg = (e as { message?: unknown }).message;
  return typeof msg === 'string' ? msg : JSON.stringify(e);
}

export function UserMessage({ m, chat, canEdit }: { m: ChatMessage; chat: Chat; canEdit: boolean }) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(m.content);
  if (editing)
    return (
      <div className="chat-msg user editing" data-testid="chat-edit">
        <textarea value={text} onChange={(e) => setText(e.target.value)} rows={3} autoFocus />
        <div className="chat-actions">
          <button className="small" onClick={() => setEditing(false)}>
            Cancel
          </button>
          <button
            className="small primary"
            disabled={chat.busy}
            data-testid="chat-edit-send"
            onClick={async () => {
              if (await chat.send(text, m.parent)) setEditing(false);
            }}
          >
            Save &amp; send
          </button>
        </div>
        {chat.sendError && <div className="field-error">{chat.sendError}</div>}
      </div>
    );
  return (
    <div className="chat-msg user" data-testid="chat-user">
      <div className="chat-bubble">{m.content}</div>
      <div className="chat-actions">
        <BranchSwitcher m={m} chat={chat} locked={!canEdit} />
        <button className="small ghost" onClick={() => copyText(m.content)} title="Copy">
          Copy
        </button>
        {canEdit && (
          <button
            className="small ghost"
            data-testid="chat-edit-button"
            title="Edit and resend: the conversation branches from here"
            onClick={() => {
              setText(m.content);
              setEditing(true);
            }}
          >
            Edit
          </button>
        )}
      </div>
    </div>
  );
}

function Feedback({ m, chat }: { m: ChatMessage; chat: Chat }) {
  const [open, setOpen] = useState<Rating>(null);
  const [comment, setComment] = useState(m.feedback?.comment ?? '');
  const rating = m.feedback?.rating ?? null;
  const pick = (r: 'up' | 'down') => {
    const next = rating === r ? null : r;
    void chat.feedback(m, next, comment);
    setOpen(next);
  };
  return (
    <>
      <button
        className={`small ghost ${rating === 'up' ? 'on' : ''}`}
        title="Good answer"
        aria-pressed={rating === 'up'}
        data-testid="chat-thumb-up"
        onClick={() => pick('up')}
      >
        <Icon name="thumb" size={14} />
      </button>
      <button
        className={`small ghost ${rating === 'down' ? 'on' : ''}`}
        title="Bad answer"
        aria-pressed={rating === 'down'}
        data-testid="chat-thumb-down"
        onClick={() => pick('down')}
      >
        <span className="flip">
          <Icon name="thumb" size={14} />
        </span>
      </button>
      {open && (
        <form
          className="chat-feedback"
          onSubmit={(e) => {
            e.preventDefault();
            void chat.feedback(m, open, comment);
            setOpen(null);
          }}
        >
          <input
            placeholder="What was good or wrong? (optional)"
            value={comment}
            onChange={(e) => setComment(e.target.value)}
            data-testid="chat-feedback-comment"
          />
          <button className="small" type="submit">
            Send
          </button>
        </form>
      )}
    </>
  );
}

function LiveBody({ m, chat }: { m: ChatMessage; chat: Chat }) {
  const live = useLiveAnswer(m, () => chat.settle(m.id));
  return (
    <>
      <div className="chat-answer live" data-testid="chat-streaming">
        {live.text ? <Markdown text={live.text} /> : <span className="typing">Thinking</span>}
        {!live.finished && <span className="caret" />}
      </div>
      <Activity tools={live.tools} steps={live.steps} approvals={live.approvals} />
    </>
  );
}

function SettledBody({ m }: { m: ChatMessage }) {
  return (
    <>
      <div className="chat-answer">
        {m.content ? <Markdown text={m.content} /> : <span className="hint">(no answer)</span>}
      </div>
      {m.status === 'stopped' && <div className="hint">Stopped.</div>}
      {m.status === 'failed' && (
        <div className="err-banner" role="alert">
          The run failed{m.error ? `: ${errorText(m.error)}` : '.'}
        </div>
      )}
      <Activity tools={storedTools(m)} steps={[]} approvals={m.approvals ?? []} />
    </>
  );
}

export function AssistantMessage({
  m,
  chat,
  isLast,
  locked = false,
}: {
  m: ChatMessage;
  chat: Chat;
  isLast: boolean;
  /** An answer is streaming: switching branches waits for it. */
  locked?: boolean;
}) {
  const streaming = m.status === 'streaming';
  return (
    <div className="chat-msg assistant" data-testid="chat-answer" data-status={m.status}>
      {m.note && (
        <div className="chat-note" data-testid="chat-note">
          ⓘ {m.note}
        </div>
      )}
      {streaming ? <LiveBody m={m} chat={chat} /> : <SettledBody m={m} />}
      <div className="chat-actions">
        <BranchSwitcher m={m} chat={chat} locked={locked} />
        {!streaming && (
          <>
            <button className="small ghost" onClick={() => copyText(m.content)} data-testid="chat-copy">
              Copy
            </button>
            <Feedback m={m} chat={chat} />
            {isLast && (
              <button
                className="small ghost"
                disabled={chat.busy}
                onClick={() => chat.regenerate(m)}
                data-testid="chat-regenerate"
              >
                ↻ Regenerate
              </button>
            )}
          </>
        )}
        {m.run && (
          <Link className="small-link" to={`/runs/${m.run}`} data-testid="chat-trace">
            Trace
          </Link>
        )}
        {!streaming && m.tokens > 0 && (
          <span className="hint">
            {m.tokens} tokens{m.cost ? ` · ${fmtCost(m.cost)}` : ''}
          </span>
        )}
      </div>
    </div>
  );
}
