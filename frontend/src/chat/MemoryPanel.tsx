/** What the flow remembers: session memory (this conversation) and user memory (all of yours). */
import { useCallback, useEffect, useState } from 'react';
import { chatApi, type MemoryEntry } from '../api/chat';
import { messageOf } from '../api/client';
import { ErrorBanner } from '../components/common';
import { toast } from '../lib/ui';

/** Shown as text: strings as they are, anything else as JSON. */
export function showValue(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v, null, 2);
}

/** Typed back: valid JSON (numbers, lists, objects, quoted strings) as JSON, anything else as text. */
export function readValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const SCOPES: { scope: MemoryEntry['scope']; title: string; hint: string }[] = [
  { scope: 'session', title: 'This conversation', hint: 'Kept across the turns of this chat.' },
  { scope: 'user', title: 'About you', hint: 'Kept across all your chats with this workflow.' },
];

function Row({ e, onSave, onDelete }: { e: MemoryEntry; onSave: (v: unknown) => void; onDelete: () => void }) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState('');
  return (
    <div className="mem-row" data-testid={`memory-${e.scope}-${e.key}`}>
      <div className="mem-key">
        <code>{e.key}</code>
        <span className="spacer" />
        <button
          className="small ghost"
          onClick={() => {
            setText(showValue(e.value));
            setEditing(!editing);
          }}
        >
          Edit
        </button>
        <button className="small ghost danger" onClick={onDelete} title="Forget">
          ✕
        </button>
      </div>
      {editing ? (
        <form
          onSubmit={(ev) => {
            ev.preventDefault();
            onSave(readValue(text));
            setEditing(false);
          }}
        >
          <textarea value={text} onChange={(ev) => setText(ev.target.value)} rows={3} />
          <button className="small primary" type="submit">
            Save
          </button>
        </form>
      ) : (
        <pre className="mem-value">{showValue(e.value)}</pre>
      )}
    </div>
  );
}

function AddEntry({ onAdd }: { onAdd: (scope: MemoryEntry['scope'], key: string, value: unknown) => void }) {
  const [scope, setScope] = useState<MemoryEntry['scope']>('session');
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  return (
    <form
      className="mem-add"
      onSubmit={(e) => {
        e.preventDefault();
        if (!key.trim()) return toast('Give the memory a key', 'error');
        onAdd(scope, key.trim(), readValue(value));
        setKey('');
        setValue('');
      }}
    >
      <select value={scope} onChange={(e) => setScope(e.target.value as MemoryEntry['scope'])}>
        <option value="session">session</option>
        <option value="user">user</option>
      </select>
      <input placeholder="key" value={key} onChange={(e) => setKey(e.target.value)} />
      <input placeholder="value" value={value} onChange={(e) => setValue(e.target.value)} />
      <button className="small" type="submit">
        Add
      </button>
    </form>
  );
}

export function MemoryPanel({ sessionId, refreshKey }: { sessionId: string; refreshKey: number }) {
  const [entries, setEntries] = useState<MemoryEntry[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(async () => {
    try {
      setEntries(await chatApi.memory(sessionId));
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [sessionId]);
  useEffect(() => void load(), [load, refreshKey]);
  const act = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
      await load();
    } catch (e) {
      toast(messageOf(e), 'error');
    }
  };
  return (
    <div className="mem-panel" data-testid="memory-panel">
      <h3>Memory</h3>
      <ErrorBanner error={error} />
      {SCOPES.map(({ scope, title, hint }) => {
        const rows = (entries ?? []).filter((e) => e.scope === scope);
        return (
          <section key={scope}>
            <h4 title={hint}>{title}</h4>
            {entries && !rows.length && <div className="hint">Nothing yet.</div>}
            {rows.map((e) => (
              <Row
                key={e.key}
                e={e}
                onSave={(v) => act(() => chatApi.putMemory(sessionId, scope, e.key, v))}
                onDelete={() => act(() => chatApi.deleteMemory(sessionId, scope, e.key))}
              />
            ))}
          </section>
        );
      })}
      <AddEntry onAdd={(scope, key, value) => act(() => chatApi.putMemory(sessionId, scope, key, value))} />
    </div>
  );
}
