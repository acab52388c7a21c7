import { useState } from 'react';
import { useStore } from 'zustand';
import { api, messageOf } from '../api/client';
import { StatusBadge } from '../components/common';
import { fmtCost, fmtMs, fmtTime, toast } from '../lib/ui';
import { BODY_CONTRACT } from '../editor/bodies';
import { ChildRunDetail } from './children';
import { estimateTokens, usageTokens, type Approval } from './dispatch';
import { IterationList } from './IterationList';
import { LIMITS } from './limits';
import { ValueView } from './ValueView';
import type { RunStoreApi } from './runStore';

const DECIDED: Record<string, string> = { approve: 'approved', reject: 'rejected' };
const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v, null, 2));

function ApprovalCard({ a, label }: { a: Approval; label: string }) {
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const decide = async (decision: 'approve' | 'reject') => {
    setBusy(true);
    try {
      await api.post(`/api/approvals/${a.id}/decide/`, { decision, comment });
      toast(decision === 'approve' ? 'Approved' : 'Rejected', 'ok');
    } catch (e) {
      toast(messageOf(e), 'error');
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="approval" data-testid={`approval-${a.id}`}>
      <b>Approval needed · {label}</b>
      <p style={{ margin: '6px 0' }}>{a.prompt}</p>
      {a.payload !== null && a.payload !== undefined && <pre className="stream-panel">{show(a.payload)}</pre>}
      <textarea
        rows={2}
        placeholder="Comment (optional)"
        value={comment}
        onChange={(e) => setComment(e.target.value)}
        style={{ marginTop: 6, minHeight: 40 }}
      />
      <div className="toolbar" style={{ marginTop: 6 }}>
        <button className="primary" disabled={busy} onClick={() => decide('approve')} data-testid="approve">
          Approve
        </button>
        <button className="danger" disabled={busy} onClick={() => decide('reject')} data-testid="reject">
          Reject
        </button>
      </div>
    </div>
  );
}

/** What a node of a given kind adds to its detail: iterations, its child run, its approval. */
export interface NodeExtras {
  kindOf(id: string): string | undefined;
  openIteration(container: string, index: number): void;
}

function KindDetail({ store, id, extras }: { store: RunStoreApi; id: string; extras?: NodeExtras }) {
  const kind = extras?.kindOf(id);
  const approval = useStore(store, (s) => s.approvals.find((a) => a.node === id && a.status === 'pending'));
  return (
    <>
      {approval && <ApprovalCard a={approval} label="this node" />}
      {extras && kind && BODY_CONTRACT[kind] && (
        <IterationList
          store={store}
          id={id}
          unit={BODY_CONTRACT[kind].unit}
          onOpen={(i) => extras.openIteration(id, i)}
        />
      )}
      {kind === 'subflow' && <ChildRunDetail store={store} id={id} />}
    </>
  );
}

interface DetailProps {
  store: RunStoreApi;
  id: string;
  label: string;
  extras?: NodeExtras;
}

function NodeDetail({ store, id, label, extras }: DetailProps) {
  const n = useStore(store, (s) => s.nodes[id]);
  if (!n)
    return (
      <div data-testid="node-detail">
        <div className="hint">{label} has not started yet.</div>
        <KindDetail store={store} id={id} extras={extras} />
      </div>
    );
  const elapsed = n.started_at
    ? (n.finished_at ? new Date(n.finished_at).getTime() : Date.now()) - new Date(n.started_at).getTime()
    : null;
  return (
    <div data-testid="node-detail">
      <div style={{ display: 'flex', gap: 8, alignItems: 'center' }}>
        <h2 style={{ margin: 0 }}>{label}</h2>
        <StatusBadge status={n.status} />
      </div>
      <div className="kv" style={{ margin: '8px 0' }}>
        <span className="k">Attempt</span>
        <span>{n.attempt}</span>
        <span className="k">Time</span>
        <span>{n.duration_ms !== undefined ? fmtMs(n.duration_ms) : fmtMs(elapsed)}</span>
        <span className="k">Tokens</span>
        <span>
          {usageTokens(n.usage) || !n.text
            ? `${n.usage?.input_tokens ?? 0} in · ${n.usage?.output_tokens ?? 0} out`
            : `~${estimateTokens(n.text)} streamed`}
        </span>
        <span className="k">Cost</span>
        <span>{fmtCost(n.usage?.cost)}</span>
        {n.reason && (
          <>
            <span className="k">Skipped</span>
            <span>{n.reason}</span>
          </>
        )}
      </div>
      <KindDetail store={store} id={id} extras={extras} />
      {n.text && (
        <>
          <h3>Stream</h3>
          <div className="stream-panel" data-testid="side-stream">
            {n.text}
          </div>
        </>
      )}
      {(n.tool_calls ?? []).length > 0 && <h3>Tool calls</h3>}
      {(n.tool_calls ?? []).map((c) => (
        <div key={c.call_id} className="version-item">
          <div className="row">
            <b className="mono">{c.tool}</b>
            {!c.done && <span className="hint">running…</span>}
          </div>
          <pre className="hint">{show(c.arguments)}</pre>
          {c.done && (c.error ? <pre className="st-failed">{show(c.error)}</pre> : <pre>→ {show(c.result)}</pre>)}
        </div>
      ))}
      {n.output !== null && n.output !== undefined && (
        <>
          <h3>Output</h3>
          <ValueView value={n.output} testId="node-output" />
        </>
      )}
      {n.error !== null && n.error !== undefined && (
        <>
          <h3>Error</h3>
          <pre className="stream-panel st-failed">{show(n.error)}</pre>
        </>
      )}
    </div>
  );
}

function RunOverview({ store }: { store: RunStoreApi }) {
  const run = useStore(store, (s) => s.run);
  return (
    <div className="section">
      <h2>Run</h2>
      <div className="kv">
        <span className="k">Created</span>
        <span>{fmtTime(run.created_at)}</span>
        <span className="k">Started</span>
        <span>{fmtTime(run.started_at)}</span>
        <span className="k">Finished</span>
        <span>{fmtTime(run.finished_at)}</span>
        {!!run.budgets && Object.keys(run.budgets).length > 0 && (
          <>
            <span className="k">Limits</span>
            <span data-testid="run-limits-shown">
              {LIMITS.filter((l) => run.budgets?.[l.name] != null)
                .map((l) => `${l.label.toLowerCase()} ${String(run.budgets?.[l.name])}`)
                .join(' · ')}
            </span>
          </>
        )}
      </div>
      <p className="hint">Click a node on the canvas or timeline to see its stream, tool calls and output.</p>
      <h3>Inputs</h3>
      <ValueView value={run.inputs ?? {}} />
      {run.outputs !== null && run.outputs !== undefined && JSON.stringify(run.outputs) !== '{}' && (
        <>
          <h3>Outputs</h3>
          <ValueView value={run.outputs} testId="run-outputs" />
        </>
      )}
      {!!run.error && (
        <>
          <h3>Error</h3>
          <pre className="stream-panel st-failed">{show(run.error)}</pre>
        </>
      )}
    </div>
  );
}

/** Budgets exceeded, shared memory, agent messages and decided approvals. */
function RunRecords({ store }: { store: RunStoreApi }) {
  const approvals = useStore(store, (s) => s.approvals);
  const memory = useStore(store, (s) => s.memory);
  const messages = useStore(store, (s) => s.messages);
  const budgets = useStore(store, (s) => s.budgets);
  return (
    <>
      {budgets.length > 0 && (
        <div className="section">
          <h3>Budgets exceeded</h3>
          {budgets.map((b, i) => (
            <pre key={i} className="st-failed">
              {show(b)}
            </pre>
          ))}
        </div>
      )}
      {Object.keys(memory).length > 0 && (
        <div className="section" data-testid="memory">
          <h3>Shared memory</h3>
          <div className="kv">
            {Object.entries(memory).map(([k, v]) => (
              <div key={k} style={{ display: 'contents' }}>
                <span className="k mono">{k}</span>
                <pre>{show(v)}</pre>
              </div>
            ))}
          </div>
        </div>
      )}
      {messages.length > 0 && (
        <div className="section" data-testid="messages">
          <h3>Agent messages</h3>
          {messages.map((m, i) => (
            <div key={i} style={{ marginBottom: 6 }}>
              <b>{m.sender}</b> <span className="hint">#{m.channel}</span>
              <div>{m.text}</div>
            </div>
          ))}
        </div>
      )}
      {approvals
        .filter((a) => a.status !== 'pending')
        .map((a) => (
          <div key={a.id} className="hint">
            Approval {a.id}: {DECIDED[a.status] ?? a.status}
            {a.by ? ` by ${a.by}` : ''}
            {a.comment ? ` — “${a.comment}”` : ''}
          </div>
        ))}
    </>
  );
}

export function RunSidePanel({
  store,
  selected,
  labels,
  onSelect,
  extras,
}: {
  store: RunStoreApi;
  selected: string | null;
  labels: Record<string, string>;
  onSelect: (id: string | null) => void;
  extras?: NodeExtras;
}) {
  const approvals = useStore(store, (s) => s.approvals);
  // The selected node's own approval shows in its detail instead.
  const pending = approvals.filter((a) => a.status === 'pending' && a.node !== selected);
  return (
    <div>
      {pending.map((a) => (
        <ApprovalCard key={a.id} a={a} label={labels[a.node ?? ''] ?? a.node ?? ''} />
      ))}
      {selected ? (
        <div className="section">
          <button className="small ghost" onClick={() => onSelect(null)}>
            ← Run overview
          </button>
          <NodeDetail store={store} id={selected} label={labels[selected] ?? selected} extras={extras} />
        </div>
      ) : (
        <RunOverview store={store} />
      )}
      <RunRecords store={store} />
    </div>
  );
}
