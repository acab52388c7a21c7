/**
 * Stream assembly: what an assistant message shows while its run is live, derived from the run
 * state that dispatch.ts builds from the run's events. The answer is the streamed text of the
 * message's `stream_nodes` (in that order); every other node's work (tool calls, sub-agent steps,
 * posted messages) and the run's approvals show collapsed under it. Pure, so a reload mid-run
 * (snapshot + later events) shows the same answer.
 */
import type { ChatMessage } from '../api/chat';
import { isTerminal, type Approval, type RunState } from '../run/dispatch';

export interface ToolLine {
  name: string;
  /** null while the call is still running. */
  ok: boolean | null;
  summary: string;
}

export interface StepLine {
  node: string;
  status: string;
  text: string;
}

export interface LiveAnswer {
  text: string;
  tools: ToolLine[];
  steps: StepLine[];
  approvals: Approval[];
  finished: boolean;
  status: string;
}

/** A short one-line summary of a tool result or error. */
export function summarize(v: unknown, max = 140): string {
  if (v === undefined || v === null) return '';
  let s: string;
  if (typeof v === 'string') s = v;
  else {
    try {
      s = JSON.stringify(v);
    } catch {
      s = String(v);
    }
  }
  s = s.replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function streamedText(state: RunState, streamNodes: string[]): string {
  const parts: string[] = [];
  for (const id of streamNodes) {
    const n = state.nodes[id];
    if (!n) continue;
    const text = n.text || (n.status === 'succeeded' && typeof n.output === 'string' ? n.output : '');
    if (text) parts.push(text);
  }
  return parts.join('\n\n');
}

function toolLines(state: RunState): ToolLine[] {
  const out: ToolLine[] = [];
  for (const n of Object.values(state.nodes))
    for (const c of n.tool_calls ?? [])
      out.push({
        name: c.tool,
        ok: c.done ? !c.error : null,
        summary: summarize(c.done ? (c.error ?? c.result) : c.arguments),
      });
  return out;
}

function stepLines(state: RunState, streamNodes: string[]): StepLine[] {
  const skip = new Set(streamNodes);
  const steps: StepLine[] = Object.entries(state.nodes)
    .filter(([id, n]) => !skip.has(id) && (n.text || n.tool_calls?.length || n.status !== 'succeeded'))
    .filter(([, n]) => n.status !== 'queued' && n.status !== 'skipped')
    .map(([id, n]) => ({ node: id, status: n.status, text: summarize(n.text || n.error) }));
  for (const m of state.messages)
    steps.push({ node: m.sender || m.node || '', status: 'message', text: summarize(m.text) });
  return steps;
}

export function assembleAnswer(state: RunState, streamNodes: string[]): LiveAnswer {
  return {
    text: streamedText(state, streamNodes),
    tools: toolLines(state),
    steps: stepLines(state, streamNodes),
    approvals: state.approvals,
    finished: isTerminal(state.run.status),
    status: state.run.status ?? 'queued',
  };
}

/** The tool lines of a settled message (its stored summary). */
export function storedTools(m: ChatMessage): ToolLine[] {
  return (m.tool_calls ?? []).map((c) => ({ name: c.name, ok: c.ok, summary: c.summary }));
}

/** The message whose answer is still being written, if any (the composer shows Stop meanwhile). */
export function streamingMessage(messages: ChatMessage[]): ChatMessage | undefined {
  return messages.find((m) => m.role === 'assistant' && m.status === 'streaming');
}

/** The last assistant answer (the one Regenerate replaces). */
export function lastAnswer(messages: ChatMessage[]): ChatMessage | undefined {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i].role === 'assistant') return messages[i];
  return undefined;
}
