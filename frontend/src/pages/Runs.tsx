import { useEffect, useState, type Dispatch, type SetStateAction } from 'react';
import { Link } from 'react-router-dom';
import { api, qs, type Page } from '../api/client';
import type { Run, Workflow } from '../api/types';
import { ErrorBanner, ListSkeleton, StatusBadge } from '../components/common';
import { catalog } from '../lib/catalog';
import { fmtCost, fmtMs, fmtTime, useAuth } from '../lib/ui';
import { wsUrl } from '../run/socket';

const STATUSES = ['', 'queued', 'running', 'paused', 'succeeded', 'failed', 'cancelled'];

function upsert(list: Run[], run: Run): Run[] {
  const i = list.findIndex((r) => r.id === run.id);
  if (i < 0) return [run, ...list];
  const next = [...list];
  next[i] = { ...next[i], ...run };
  return next;
}

type SetRuns = Dispatch<SetStateAction<Run[] | null>>;

/** Live run updates from /ws/runs/: a run matching the filters is upserted, one that no longer matches leaves. */
function useRunFeed(status: string, workflow: string, setRuns: SetRuns) {
  useEffect(() => {
    let ws: WebSocket | null = null;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const connect = () => {
      ws = new WebSocket(wsUrl('/ws/runs/'));
      ws.onmessage = (m) => {
        const msg = JSON.parse(String(m.data)) as { type: string; run?: Run };
        if (msg.type !== 'run' || !msg.run) return;
        const run = msg.run;
        if ((status && run.status !== status) || (workflow && String(run.workflow) !== workflow)) {
          setRuns((l) => l && l.filter((r) => r.id !== run.id));
          return;
        }
        setRuns((l) => upsert(l ?? [], run));
      };
      ws.onclose = (e) => {
        if (!stopped && e.code !== 4401) timer = setTimeout(connect, 3000);
      };
    };
    connect();
    return () => {
      stopped = true;
      clearTimeout(timer);
      ws?.close();
    };
  }, [status, workflow, setRuns]);
}

function RunFilters({
  status,
  setStatus,
  workflow,
  setWorkflow,
}: {
  status: string;
  setStatus: (v: string) => void;
  workflow: string;
  setWorkflow: (v: string) => void;
}) {
  const [workflows, setWorkflows] = useState<Workflow[]>([]);
  useEffect(() => {
    catalog
      .workflows()
      .then(setWorkflows)
      .catch(() => undefined);
  }, []);
  return (
    <>
      <select
        aria-label="Filter by status"
        value={status}
        onChange={(e) => setStatus(e.target.value)}
        style={{ width: 150 }}
        data-testid="filter-status"
      >
        {STATUSES.map((s) => (
          <option key={s} value={s}>
            {s ? s[0].toUpperCase() + s.slice(1) : 'Any status'}
          </option>
        ))}
      </select>
      <select
        aria-label="Filter by workflow"
        value={workflow}
        onChange={(e) => setWorkflow(e.target.value)}
        style={{ width: 220 }}
        data-testid="filter-workflow"
      >
        <option value="">All workflows</option>
        {workflows.map((w) => (
          <option key={w.id} value={String(w.id)}>
            {w.name}
          </option>
        ))}
      </select>
    </>
  );
}

export function RunsPage() {
  const [runs, setRuns] = useState<Run[] | null>(null);
  const [status, setStatus] = useState('');
  const [workflow, setWorkflow] = useState('');
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    api.get<Page<Run>>(`/api/runs/${qs({ status, workflow, page_size: 100 })}`).then((p) => {
      setRuns(p.results);
      setError(null);
    }, setError);
  }, [status, workflow]);
  useRunFeed(status, workflow, setRuns);

  const live = runs?.filter((r) => ['queued', 'running', 'paused'].includes(r.status)) ?? [];
  const history = runs?.filter((r) => !['queued', 'running', 'paused'].includes(r.status)) ?? [];
  return (
    <div className="page">
      <div className="page-head">
        <h1>Runs</h1>
        <div className="spacer" />
        <RunFilters status={status} setStatus={setStatus} workflow={workflow} setWorkflow={setWorkflow} />
      </div>
      <ErrorBanner error={error} />
      {!runs && !error && <ListSkeleton columns={6} />}
      {runs && runs.length === 0 && <div className="card empty">No runs yet. Open a workflow and press Run.</div>}
      {live.length > 0 && (
        <>
          <h3>Live</h3>
          <RunTable runs={live} />
        </>
      )}
      {history.length > 0 && (
        <>
          <h3>History</h3>
          <RunTable runs={history} />
        </>
      )}
    </div>
  );
}

function RunTable({ runs }: { runs: Run[] }) {
  // Staff see every user's runs: say whose each one is.
  const staff = useAuth((s) => !!s.user?.is_staff);
  return (
    <table className="list" style={{ marginBottom: 16 }} data-testid="run-list">
      <thead>
        <tr>
          <th>Workflow</th>
          {staff && <th>Owner</th>}
          <th>Status</th>
          <th>Started</th>
          <th>Duration</th>
          <th>Tokens</th>
          <th>Cost</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((r) => {
          const dur =
            r.started_at && r.finished_at ? new Date(r.finished_at).getTime() - new Date(r.started_at).getTime() : null;
          return (
            <tr key={r.id} data-testid={`run-row-${r.id}`}>
              <td>
                <Link to={`/runs/${r.id}`}>{r.workflow_name}</Link>{' '}
                {r.version && <span className="hint">v{r.version}</span>}
              </td>
              {staff && <td data-testid="run-owner">{r.owner}</td>}
              <td>
                <StatusBadge status={r.status} />
              </td>
              <td className="hint">{fmtTime(r.started_at ?? r.created_at)}</td>
              <td>{fmtMs(dur)}</td>
              <td>{(r.usage?.input_tokens ?? 0) + (r.usage?.output_tokens ?? 0)}</td>
              <td>{fmtCost(r.usage?.cost)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
