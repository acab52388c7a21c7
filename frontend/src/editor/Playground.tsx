/**
 * The editor's playground: chat with the current draft. The draft is saved first (the same PUT
 * as autosave), each turn runs it as a draft run (no numbered version), and the session is kept
 * per workflow in this tab so switching panels keeps the conversation.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { chatApi, type ChatCapability } from '../api/chat';
import { api } from '../api/client';
import type { Graph } from '../api/types';
import { ErrorBanner } from '../components/common';
import { ChatView } from '../chat/ChatView';
import { Markdown } from '../chat/Markdown';
import '../chat/chat.css';

const KEY = (id: string) => `axweb.playground.${id}`;

async function playgroundSession(workflowId: string, fresh: boolean): Promise<string> {
  const kept = fresh ? null : sessionStorage.getItem(KEY(workflowId));
  if (kept) {
    try {
      return (await chatApi.session(kept)).id;
    } catch {
      /* deleted or not ours any more: start a new one */
    }
  }
  const s = await chatApi.createSession(workflowId, true, 'Playground');
  sessionStorage.setItem(KEY(workflowId), s.id);
  return s.id;
}

export function Playground({ workflowId, graphNow }: { workflowId: string; graphNow: () => Graph }) {
  const [cap, setCap] = useState<ChatCapability | null>(null);
  const [session, setSession] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  // The graph getter changes identity when React Flow's viewport initialises: read it through a
  // ref so opening the panel starts (and creates a session) once.
  const graph = useRef(graphNow);
  useEffect(() => {
    graph.current = graphNow;
  }, [graphNow]);
  const saveDraft = useCallback(
    () => api.put(`/api/workflows/${workflowId}/draft/`, { graph: graph.current() }).then(() => undefined),
    [workflowId],
  );
  const start = useCallback(
    async (fresh: boolean) => {
      setError(null);
      try {
        await saveDraft();
        const c = await chatApi.capability(workflowId, true);
        setCap(c);
        if (c.can_chat) setSession(await playgroundSession(workflowId, fresh));
      } catch (e) {
        setError(e);
      }
    },
    [workflowId, saveDraft],
  );
  useEffect(() => void start(false), [start]);
  return (
    <div className="playground" data-testid="playground">
      <div className="playground-head">
        <span className="hint">Chats with the current draft (draft runs, no version).</span>
        <span className="spacer" />
        <button className="small" onClick={() => start(true)} data-testid="playground-new">
          New chat
        </button>
      </div>
      <ErrorBanner error={error} />
      {cap && !cap.can_chat && (
        <div className="card cannot-chat" data-testid="cannot-chat">
          <div className="cannot-chat-title">This draft cannot chat yet</div>
          <p>{cap.reason}</p>
          {cap.how_to && <Markdown text={cap.how_to} />}
          <button className="small" onClick={() => start(false)}>
            Check again
          </button>
        </div>
      )}
      {cap?.can_chat && session && (
        <ChatView key={session} sessionId={session} beforeSend={saveDraft} empty="Try the draft: send a message." />
      )}
    </div>
  );
}
