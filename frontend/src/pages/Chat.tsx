/** The Chat page of a workflow: its sessions, one conversation, and the memory panel. */
import { useCallback, useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { chatApi, type ChatCapability, type ChatSession } from '../api/chat';
import { api, messageOf } from '../api/client';
import type { Workflow } from '../api/types';
import { ErrorBanner, useLoad } from '../components/common';
import { CannotChat } from '../chat/CannotChat';
import { ChatView } from '../chat/ChatView';
import { MemoryPanel } from '../chat/MemoryPanel';
import { SessionList } from '../chat/SessionList';
import { toast } from '../lib/ui';
import '../chat/chat.css';

function useSessions(workflowId: string, search: string) {
  const [sessions, setSessions] = useState<ChatSession[] | null>(null);
  const load = useCallback(async () => {
    try {
      setSessions((await chatApi.sessions(workflowId, search)).filter((s) => !s.draft));
    } catch (e) {
      toast(messageOf(e), 'error');
    }
  }, [workflowId, search]);
  useLoad(load);
  return { sessions, load };
}

function useWorkflowChat(id: string) {
  const [workflow, setWorkflow] = useState<Workflow | null>(null);
  const [cap, setCap] = useState<ChatCapability | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    Promise.all([api.get<Workflow>(`/api/workflows/${id}/`), chatApi.capability(id)])
      .then(([w, c]) => {
        setWorkflow(w);
        setCap(c);
      })
      .catch(setError);
  }, [id]);
  return { workflow, cap, error };
}

function ChatHead({
  workflow,
  memory,
  toggleMemory,
}: {
  workflow: Workflow;
  memory: boolean;
  toggleMemory: () => void;
}) {
  return (
    <div className="editor-bar chat-head">
      <Link to="/" className="hint">
        Workflows
      </Link>
      <span className="hint">/</span>
      <Link to={`/workflows/${workflow.id}`} className="name">
        {workflow.name}
      </Link>
      <span className="hint">/ Chat</span>
      <div className="spacer" />
      <button className={memory ? 'on' : ''} onClick={toggleMemory} data-testid="memory-toggle">
        Memory
      </button>
    </div>
  );
}

export function ChatPage() {
  const { id = '', session = '' } = useParams();
  const navigate = useNavigate();
  const base = `/workflows/${id}/chat`;
  const [search, setSearch] = useState('');
  const [memory, setMemory] = useState(true);
  const [turns, setTurns] = useState(0);
  const { workflow, cap, error } = useWorkflowChat(id);
  const { sessions, load } = useSessions(id, search);

  useEffect(() => {
    if (!session && sessions?.length && !search) navigate(`${base}/${sessions[0].id}`, { replace: true });
  }, [session, sessions, search, base, navigate]);

  const onTurn = useCallback(() => {
    setTurns((t) => t + 1);
    void load();
  }, [load]);

  const act = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
      await load();
    } catch (e) {
      toast(messageOf(e), 'error');
    }
  };
  const newChat = () => act(async () => navigate(`${base}/${(await chatApi.createSession(id)).id}`));

  if (error)
    return (
      <div className="page">
        <ErrorBanner error={error} />
        <Link to="/">Back to workflows</Link>
      </div>
    );
  if (!workflow || !cap) return <div className="empty">Loading chat…</div>;
  if (!cap.can_chat)
    return (
      <div className="page">
        <h1>Chat with {workflow.name}</h1>
        <CannotChat cap={cap} workflowId={id} />
      </div>
    );
  return (
    <div className={`chat-page${memory && session ? ' with-memory' : ''}`}>
      <ChatHead workflow={workflow} memory={memory} toggleMemory={() => setMemory(!memory)} />
      <SessionList
        sessions={sessions}
        search={search}
        setSearch={setSearch}
        base={base}
        onNew={newChat}
        onRename={(s, title) => act(() => chatApi.rename(s.id, title))}
        onDelete={(s) =>
          act(async () => {
            await chatApi.deleteSession(s.id);
            if (s.id === session) navigate(base, { replace: true });
          })
        }
      />
      {session ? (
        <ChatView key={`chat-${session}`} sessionId={session} onTurn={onTurn} />
      ) : (
        <div className="chat-start card">
          <h3>Chat with {workflow.name}</h3>
          <p className="hint">Each message runs the workflow with the conversation so far.</p>
          <button className="primary" onClick={newChat}>
            + New chat
          </button>
        </div>
      )}
      {memory && session && <MemoryPanel key={`memory-${session}`} sessionId={session} refreshKey={turns} />}
    </div>
  );
}
