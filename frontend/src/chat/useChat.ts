/** The conversation of one session: its messages, and the actions that change them. */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useStore } from 'zustand';
import { chatApi, type ChatMessage, type Rating } from '../api/chat';
import { ApiError, messageOf } from '../api/client';
import { toast } from '../lib/ui';
import { createRunStore } from '../run/runStore';
import { watchRun } from '../run/socket';
import { assembleAnswer, type LiveAnswer } from './stream';

const SETTLE_TRIES = 20;

export interface Chat {
  messages: ChatMessage[] | null;
  error: unknown;
  sendError: string | null;
  busy: boolean;
  reload(): Promise<ChatMessage[] | null>;
  settle(id: ChatMessage['id']): void;
  send(content: string, parent?: ChatMessage['parent']): Promise<boolean>;
  regenerate(m: ChatMessage): Promise<void>;
  /** Show the branch through another version (`id`, one of a message's siblings). */
  switchTo(id: ChatMessage['id']): Promise<void>;
  stop(m: ChatMessage): Promise<void>;
  feedback(m: ChatMessage, rating: Rating, comment: string): Promise<void>;
}

/** The active branch's messages, loaded once and on demand. */
function useMessages(sessionId: string) {
  const [messages, setMessages] = useState<ChatMessage[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const live = useRef(true);
  const reload = useCallback(async () => {
    try {
      const list = await chatApi.messages(sessionId);
      if (live.current) setMessages(list);
      setError(null);
      return list;
    } catch (e) {
      if (live.current) setError(e);
      return null;
    }
  }, [sessionId]);
  useEffect(() => {
    live.current = true;
    setMessages(null);
    void reload();
    return () => {
      live.current = false;
    };
  }, [reload]);
  return { messages, setMessages, error, reload, live };
}

/** Latest-value ref, so callbacks stay stable while their props change. */
function useLatest<T>(value: T) {
  const ref = useRef(value);
  useEffect(() => {
    ref.current = value;
  });
  return ref;
}

/** Show another version's branch: the server answers the shown branch, which replaces the list. */
function useSwitchTo(
  setMessages: (ms: ChatMessage[]) => void,
  live: { current: boolean },
  setBusy: (b: boolean) => void,
  turn: { current: (() => void) | undefined },
) {
  return useCallback(
    async (id: ChatMessage['id']) => {
      setBusy(true);
      try {
        const shown = await chatApi.switchTo(id);
        if (live.current) setMessages(shown);
        turn.current?.(); // the session list previews the shown branch's last message
      } catch (e) {
        toast(messageOf(e), 'error');
      } finally {
        setBusy(false);
      }
    },
    [live, setMessages, setBusy, turn],
  );
}

export function useChat(sessionId: string, onTurn?: () => void, beforeSend?: () => Promise<void>): Chat {
  const { messages, setMessages, error, reload, live } = useMessages(sessionId);
  const [sendError, setSendError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const turn = useLatest(onTurn);
  const before = useLatest(beforeSend);

  /** After a run ends the server writes the final answer: reload until the message settles. */
  const settle = useCallback(
    (id: ChatMessage['id']) => {
      let tries = 0;
      const again = async () => {
        const list = await reload();
        const m = list?.find((x) => x.id === id);
        if (m?.status === 'streaming' && ++tries < SETTLE_TRIES && live.current) setTimeout(again, 300 * tries);
        else turn.current?.();
      };
      void again();
    },
    [reload, live, turn],
  );

  const act = useCallback(
    async (fn: () => Promise<unknown>) => {
      setBusy(true);
      try {
        await fn();
        await reload();
      } catch (e) {
        toast(messageOf(e), 'error');
      } finally {
        setBusy(false);
      }
    },
    [reload],
  );

  const send = useCallback(
    async (content: string, parent?: ChatMessage['parent']) => {
      setBusy(true);
      setSendError(null);
      try {
        await before.current?.();
        const { user_message, assistant_message } = await chatApi.send(sessionId, content, parent);
        if (parent === undefined) setMessages((ms) => [...(ms ?? []), user_message, assistant_message]);
        else await reload();
        turn.current?.();
        return true;
      } catch (e) {
        setSendError(e instanceof ApiError ? (e.fieldError('content') ?? e.message) : messageOf(e));
        return false;
      } finally {
        setBusy(false);
      }
    },
    [sessionId, reload, setMessages, before, turn],
  );

  const switchTo = useSwitchTo(setMessages, live, setBusy, turn);

  return useMemo(
    () => ({
      messages,
      error,
      sendError,
      busy,
      reload,
      settle,
      send,
      switchTo,
      regenerate: (m: ChatMessage) => act(() => chatApi.regenerate(m.id)),
      stop: (m: ChatMessage) => act(() => chatApi.stop(m.id)),
      feedback: (m: ChatMessage, rating: Rating, comment: string) =>
        act(() => chatApi.feedback(m.id, rating, comment).then(() => toast('Thanks for the feedback', 'ok'))),
    }),
    [messages, error, sendError, busy, reload, settle, send, switchTo, act],
  );
}

/** Follow a streaming message's run over the run websocket; `onFinished` once the run ends. */
export function useLiveAnswer(m: ChatMessage, onFinished: () => void): LiveAnswer {
  const store = useMemo(() => createRunStore(), [m.run]); // eslint-disable-line react-hooks/exhaustive-deps
  const done = useLatest(onFinished);
  useEffect(() => (m.run ? watchRun(m.run, store) : undefined), [m.run, store]);
  const nodes = useStore(store, (s) => s.nodes);
  const approvals = useStore(store, (s) => s.approvals);
  const messages = useStore(store, (s) => s.messages);
  const run = useStore(store, (s) => s.run);
  const answer = useMemo(
    () => assembleAnswer({ ...store.getState(), nodes, approvals, messages, run }, m.stream_nodes ?? []),
    [store, nodes, approvals, messages, run, m.stream_nodes],
  );
  const fired = useRef(false);
  useEffect(() => {
    if (answer.finished && !fired.current) {
      fired.current = true;
      done.current();
    }
  }, [answer.finished, done]);
  return answer;
}
