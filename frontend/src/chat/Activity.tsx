/** The collapsed part of an answer: tool calls, sub-agent steps and approvals (decided inline). */
import { useState } from 'react';
import { api, messageOf } from '../api/client';
import { toast } from '../lib/ui';
import type { StepLine, ToolLine } from './stream';

export interface ApprovalLine {
  id: string;
  node: string | null;
  prompt: string;
  status: string;
}

function ApprovalRow({ a }: { a: ApprovalLine }) {
  const [busy, setBusy] = useState(false);
  const [decided, setDecided] = useState<string | null>(null);
  const decide = async (decision: 'approve' | 'reject') => {
    setBusy(true);
    try {
      await api.post(`/api/approvals/${a.id}/decide/`, { decision, comment: '' });
      setDecided(decision);
      toast(decision === 'approve' ? 'Approved' : 'Rejected', 'ok');
    } catch (e) {
      toast(messageOf(e), 'error');
    } finally {
      setBusy(false);
    }
  };
  const status = decided ?? a.status;
  return (
    <div className="chat-approval" data-testid="chat-approval">
      <span className="chat-approval-prompt">{a.prompt || `Approval requested by ${a.node ?? 'the flow'}`}</span>
      {status === 'pending' ? (
        <span className="chat-approval-actions">
          <button className="small primary" disabled={busy} onClick={() => decide('approve')}>
            Approve
          </button>
          <button className="small danger" disabled={busy} onClick={() => decide('reject')}>
            Reject
          </button>
        </span>
      ) : (
        <span className="badge">{status === 'approve' ? 'approved' : status === 'reject' ? 'rejected' : status}</span>
      )}
    </div>
  );
}

const TOOL_MARK = (ok: boolean | null) => (ok === null ? '…' : ok ? '✓' : '✗');

export function Activity({
  tools,
  steps,
  approvals,
}: {
  tools: ToolLine[];
  steps: StepLine[];
  approvals: ApprovalLine[];
}) {
  const pending = approvals.filter((a) => a.status === 'pending');
  if (!tools.length && !steps.length && !approvals.length) return null;
  const parts = [
    tools.length && `${tools.length} tool call${tools.length > 1 ? 's' : ''}`,
    steps.length && `${steps.length} step${steps.length > 1 ? 's' : ''}`,
    approvals.length && `${approvals.length} approval${approvals.length > 1 ? 's' : ''}`,
  ].filter(Boolean);
  return (
    <>
      {pending.map((a) => (
        <ApprovalRow key={a.id} a={a} />
      ))}
      <details className="chat-activity" data-testid="chat-activity">
        <summary>{parts.join(' · ')}</summary>
        {tools.map((t, i) => (
          <div key={`t${i}`} className={`chat-line ${t.ok === false ? 'bad' : ''}`}>
            <span className="mark">{TOOL_MARK(t.ok)}</span>
            <code>{t.name}</code>
            <span className="hint">{t.summary}</span>
          </div>
        ))}
        {steps.map((s, i) => (
          <div key={`s${i}`} className="chat-line">
            <span className={`badge st-${s.status}`}>{s.status}</span>
            <b>{s.node}</b>
            <span className="hint">{s.text}</span>
          </div>
        ))}
        {approvals
          .filter((a) => a.status !== 'pending')
          .map((a) => (
            <ApprovalRow key={a.id} a={a} />
          ))}
      </details>
    </>
  );
}
