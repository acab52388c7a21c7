/** The sessions of one workflow: search, new, rename, delete. */
import { useState } from 'react';
import { NavLink } from 'react-router-dom';
import type { ChatSession } from '../api/chat';
import { fmtTime } from '../lib/ui';

function SessionRow({
  s,
  to,
  onRename,
  onDelete,
}: {
  s: ChatSession;
  to: string;
  onRename: (title: string) => void;
  onDelete: () => void;
}) {
  const [editing, setEditing] = useState(false);
  const [title, setTitle] = useState(s.title);
  if (editing)
    return (
      <form
        className="session-row editing"
        onSubmit={(e) => {
          e.preventDefault();
          onRename(title);
          setEditing(false);
        }}
      >
        <input
          autoFocus
          value={title}
          onChange={(e) => setTitle(e.target.value)}
          onKeyDown={(e) => e.key === 'Escape' && setEditing(false)}
          data-testid="session-title-input"
        />
        <button className="small primary" type="submit">
          Save
        </button>
      </form>
    );
  return (
    <NavLink to={to} className="session-row" data-testid="session-row">
      <div className="session-title">{s.title || 'New chat'}</div>
      <div className="hint session-last">{s.last_message || `${s.message_count} messages`}</div>
      <div className="session-meta">
        <span className="hint">{fmtTime(s.updated_at)}</span>
        <span className="spacer" />
        <button
          className="small ghost"
          title="Rename"
          data-testid="session-rename"
          onClick={(e) => {
            e.preventDefault();
            setTitle(s.title);
            setEditing(true);
          }}
        >
          ✎
        </button>
        <button
          className="small ghost danger"
          title="Delete"
          data-testid="session-delete"
          onClick={(e) => {
            e.preventDefault();
            if (confirm(`Delete “${s.title || 'this chat'}”? Its messages are deleted too.`)) onDelete();
          }}
        >
          ✕
        </button>
      </div>
    </NavLink>
  );
}

export function SessionList({
  sessions,
  search,
  setSearch,
  base,
  onNew,
  onRename,
  onDelete,
}: {
  sessions: ChatSession[] | null;
  search: string;
  setSearch: (s: string) => void;
  base: string;
  onNew: () => void;
  onRename: (s: ChatSession, title: string) => void;
  onDelete: (s: ChatSession) => void;
}) {
  return (
    <aside className="session-list" data-testid="session-list">
      <button className="primary" onClick={onNew} data-testid="chat-new">
        + New chat
      </button>
      <input
        placeholder="Search chats…"
        value={search}
        onChange={(e) => setSearch(e.target.value)}
        data-testid="session-search"
      />
      {!sessions && <div className="hint">Loading…</div>}
      {sessions && !sessions.length && <div className="hint">{search ? 'No chat matches.' : 'No chats yet.'}</div>}
      {sessions?.map((s) => (
        <SessionRow
          key={s.id}
          s={s}
          to={`${base}/${s.id}`}
          onRename={(t) => onRename(s, t)}
          onDelete={() => onDelete(s)}
        />
      ))}
    </aside>
  );
}
