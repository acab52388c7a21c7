/** Chat wire types and calls (docs: CHAT contract of issue 15; server: the chat app). */
import { api, listOf, qs, type Page } from './client';

export interface ChatCapability {
  can_chat: boolean;
  reason: string;
  how_to: string;
  inputs: unknown[];
  outputs: unknown[];
}

export interface ChatSession {
  id: string;
  workflow: number | string;
  workflow_name: string;
  version: number | null;
  draft: boolean;
  title: string;
  created_at: string;
  updated_at: string;
  message_count: number;
  last_message: string | null;
}

export type ChatStatus = 'streaming' | 'done' | 'failed' | 'stopped';
export type Rating = 'up' | 'down' | null;

export interface ChatToolCall {
  name: string;
  ok: boolean;
  summary: string;
}

export interface ChatApproval {
  id: string;
  node: string | null;
  status: string;
  prompt: string;
}

export interface ChatMessage {
  id: number | string;
  parent: number | string | null;
  /** Every version of this message (same parent: edits, regenerated answers), oldest first. */
  siblings?: (number | string)[];
  role: 'user' | 'assistant';
  content: string;
  run: string | null;
  status: ChatStatus;
  error: unknown;
  stream_nodes: string[];
  tokens: number;
  cost: number;
  tool_calls: ChatToolCall[];
  approvals: ChatApproval[];
  feedback: { rating: Rating; comment: string };
  note: string;
  created_at: string;
}

export interface MemoryEntry {
  scope: 'session' | 'user';
  key: string;
  value: unknown;
  updated_at: string;
}

const S = '/api/chat/sessions/';
const M = '/api/chat/messages/';

export const chatApi = {
  capability: (workflow: string | number, draft = false) =>
    api.get<ChatCapability>(`/api/workflows/${workflow}/chat/${draft ? '?draft=1' : ''}`),
  sessions: async (workflow: string | number, search = '') =>
    listOf(await api.get<Page<ChatSession>>(`${S}${qs({ workflow, search })}`)),
  createSession: (workflow: string | number, draft = false, title?: string) =>
    api.post<ChatSession>(S, { workflow, version: null, draft, ...(title ? { title } : {}) }),
  session: (id: string) => api.get<ChatSession>(`${S}${id}/`),
  rename: (id: string, title: string) => api.patch<ChatSession>(`${S}${id}/`, { title }),
  deleteSession: (id: string) => api.del(`${S}${id}/`),
  messages: (id: string) => api.get<ChatMessage[] | Page<ChatMessage>>(`${S}${id}/messages/`).then(listOf),
  send: (id: string, content: string, parent?: ChatMessage['parent']) =>
    api.post<{ user_message: ChatMessage; assistant_message: ChatMessage }>(`${S}${id}/messages/`, {
      content,
      ...(parent !== undefined ? { parent } : {}),
    }),
  regenerate: (message: ChatMessage['id']) => api.post<ChatMessage>(`${M}${message}/regenerate/`),
  /** Show the branch through this version of a message; answers the shown branch. */
  switchTo: (message: ChatMessage['id']) => api.post<ChatMessage[]>(`${M}${message}/switch/`),
  stop: (message: ChatMessage['id']) => api.post<ChatMessage>(`${M}${message}/stop/`),
  feedback: (message: ChatMessage['id'], rating: Rating, comment: string) =>
    api.post<ChatMessage>(`${M}${message}/feedback/`, { rating, comment }),
  memory: (id: string) => api.get<MemoryEntry[] | Page<MemoryEntry>>(`${S}${id}/memory/`).then(listOf),
  putMemory: (id: string, scope: MemoryEntry['scope'], key: string, value: unknown) =>
    api.put<MemoryEntry>(`${S}${id}/memory/`, { scope, key, value }),
  deleteMemory: (id: string, scope: MemoryEntry['scope'], key: string) =>
    api.del(`${S}${id}/memory/${qs({ scope, key })}`),
};
