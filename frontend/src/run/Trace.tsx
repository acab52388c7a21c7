import { useEffect, useState } from 'react';
import { useStore } from 'zustand';
import { api } from '../api/client';
import type { EventEnvelope } from '../api/types';
import { mergeLog, type RunStoreApi } from './runStore';

function brief(e: EventEnvelope): string {
  const d = e.data ?? {};
  if (e.type === 'node.token') return JSON.stringify(d.text);
  if (e.type === 'node.tool_call') return `${d.tool}(${JSON.stringify(d.arguments)})`;
  const s = JSON.stringify(d);
  return s === '{}' ? '' : s.length > 160 ? `${s.slice(0, 160)}…` : s;
}

/** The raw event trace: backfilled once over HTTP, then fed by the live socket. */
export function Trace({ runId, store, labels }: { runId: string; store: RunStoreApi; labels: Record<string, string> }) {
  const log = useStore(store, (s) => s.log);
  const [tokens, setTokens] = useState(false);
  useEffect(() => {
    if (store.getState().log[0]?.seq === 1) return;
    api
      .get<{ events: EventEnvelope[] }>(`/api/runs/${runId}/events/?since=0`)
      .then(({ events }) => store.setState((s) => ({ log: mergeLog(s.log, events ?? []) })))
      .catch(() => undefined);
  }, [runId, store]);
  const shown = tokens ? log : log.filter((e) => e.type !== 'node.token');
  return (
    <div data-testid="trace">
      <label className="hint" style={{ display: 'flex', gap: 6, alignItems: 'center', marginBottom: 6 }}>
        <input type="checkbox" checked={tokens} onChange={(e) => setTokens(e.target.checked)} /> show token events
      </label>
      <div className="mono" style={{ fontSize: 11 }}>
        {shown.map((e) => (
          <div key={e.seq} style={{ padding: '3px 0', borderBottom: '1px solid var(--border)' }}>
            <span className="hint">
              #{e.seq} {new Date(e.ts).toLocaleTimeString()}
            </span>{' '}
            <b>{e.type}</b>
            {e.node ? ` · ${labels[e.node] ?? e.node}` : ''}
            <div className="hint" style={{ wordBreak: 'break-word' }}>
              {brief(e)}
            </div>
          </div>
        ))}
        {!shown.length && <div className="hint">No events yet.</div>}
      </div>
    </div>
  );
}
