/**
 * Keeps a run store in sync with the server: snapshot first, then the websocket from the
 * snapshot's seq; on reconnect it subscribes again with the last seq seen. A gap in seq
 * (pending events) is filled over HTTP from /events/?since=. The socket signs in with the session
 * cookie (no token in the URL); the server closes it with 4401 when the session logs out.
 */
import { api } from '../api/client';
import type { EventEnvelope } from '../api/types';
import { hasGap, isTerminal, type Snapshot } from './dispatch';
import type { RunStoreApi } from './runStore';

export function wsUrl(path: string): string {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}${path}`;
}

export function watchRun(runId: string, store: RunStoreApi): () => void {
  let ws: WebSocket | null = null;
  let stopped = false;
  let retry = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const fillGap = async () => {
    const s = store.getState();
    if (!hasGap(s)) return;
    try {
      const { events } = await api.get<{ events: EventEnvelope[] }>(`/api/runs/${runId}/events/?since=${s.seq}`);
      store.getState().apply(events);
    } catch {
      /* the next reconnect retries */
    }
  };

  const connect = () => {
    if (stopped) return;
    ws = new WebSocket(wsUrl(`/ws/runs/${runId}/`));
    ws.onopen = () => {
      retry = 0;
      store.getState().setConnection('live');
      ws?.send(JSON.stringify({ type: 'subscribe', since: store.getState().seq }));
    };
    ws.onmessage = (m) => {
      const msg = JSON.parse(String(m.data)) as { type: string; events?: EventEnvelope[] };
      if (msg.type === 'events' && msg.events) {
        store.getState().apply(msg.events);
        if (hasGap(store.getState())) void fillGap();
      } else if (msg.type === 'ping') ws?.send(JSON.stringify({ type: 'pong' }));
    };
    ws.onclose = (e) => {
      if (stopped) return;
      if (e.code === 4401 || e.code === 4404) {
        store.getState().setConnection('error', e.code === 4401 ? e.reason || 'Not logged in.' : 'Run not found.');
        return;
      }
      if (isTerminal(store.getState().run.status)) {
        store.getState().setConnection('closed');
        return;
      }
      store.getState().setConnection('reconnecting');
      timer = setTimeout(connect, Math.min(10000, 500 * 2 ** retry++));
    };
  };

  (async () => {
    try {
      store.getState().loadSnapshot(await api.get<Snapshot>(`/api/runs/${runId}/snapshot/`));
    } catch (e) {
      store.getState().setConnection('error', e instanceof Error ? e.message : String(e));
      return;
    }
    connect();
  })();

  return () => {
    stopped = true;
    clearTimeout(timer);
    ws?.close();
  };
}
