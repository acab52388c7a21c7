import { useCallback, useState } from 'react';
import { Link } from 'react-router-dom';
import { api, messageOf, type Page } from '../api/client';
import { ErrorBanner, StatusBadge, useLoad } from '../components/common';
import { fmtTime, toast } from '../lib/ui';
import { describeSchedule, fmtTick, type CreatedTrigger, type Fire, type Trigger } from './model';
import { McpExposeSection } from './McpExposeSection';
import { NewScheduleDialog } from './ScheduleDialog';
import './triggers.css';
import { NewWebhookDialog, WebhookCreated } from './WebhookDialogs';

const TRIGGERS = '/api/triggers/';

/** The editor's Triggers tab: webhooks and schedules of one workflow, and what they started. */
export function TriggersPanel({ workflowId }: { workflowId: string }) {
  const [items, setItems] = useState<Trigger[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [dialog, setDialog] = useState<'webhook' | 'schedule' | null>(null);
  const [created, setCreated] = useState<CreatedTrigger | null>(null);
  const load = useCallback(async () => {
    try {
      setItems((await api.get<Page<Trigger>>(`${TRIGGERS}?workflow=${workflowId}&page_size=200`)).results);
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [workflowId]);
  useLoad(load);
  const onCreated = (t: CreatedTrigger) => {
    setDialog(null);
    if (t.kind === 'webhook') setCreated(t);
    else toast('Schedule created', 'ok');
    void load();
  };
  return (
    <div data-testid="triggers-panel" className="triggers">
      <p className="hint">Start this workflow from other systems (a webhook) or on a timer (a schedule).</p>
      <div className="row trigger-new">
        <button className="small" onClick={() => setDialog('webhook')} data-testid="new-webhook">
          + Webhook
        </button>
        <button className="small" onClick={() => setDialog('schedule')} data-testid="new-schedule">
          + Schedule
        </button>
      </div>
      <ErrorBanner error={error} />
      {items === null && !error && <div className="hint">Loading…</div>}
      {items?.length === 0 && <div className="hint">No triggers yet.</div>}
      {items?.map((t) => (
        <TriggerItem key={t.id} trigger={t} reload={load} />
      ))}
      {dialog === 'webhook' && (
        <NewWebhookDialog workflowId={workflowId} onClose={() => setDialog(null)} onCreated={onCreated} />
      )}
      {dialog === 'schedule' && (
        <NewScheduleDialog workflowId={workflowId} onClose={() => setDialog(null)} onCreated={onCreated} />
      )}
      {created && <WebhookCreated trigger={created} onClose={() => setCreated(null)} />}
      <section id="triggers-mcp">
        <McpExposeSection workflowId={workflowId} />
      </section>
    </div>
  );
}

function TriggerItem({ trigger: t, reload }: { trigger: Trigger; reload: () => Promise<void> }) {
  const [open, setOpen] = useState(false);
  async function run(what: () => Promise<unknown>, done: string) {
    try {
      await what();
      toast(done, 'ok');
      await reload();
    } catch (e) {
      toast(messageOf(e), 'error');
    }
  }
  const toggle = () =>
    run(() => api.patch(`${TRIGGERS}${t.id}/`, { enabled: !t.enabled }), t.enabled ? 'Disabled' : 'Enabled');
  const remove = () => {
    if (confirm(`Delete this ${t.kind}? Calls to it will stop working.`))
      void run(() => api.del(`${TRIGGERS}${t.id}/`), 'Trigger deleted');
  };
  return (
    <div className={`trigger-item${t.enabled ? '' : ' off'}`} data-testid={`trigger-${t.kind}`}>
      <div className="row">
        <span className={`kind-tag ${t.kind}`}>{t.kind}</span>
        <b className="grow">{t.name || (t.kind === 'webhook' ? 'Webhook' : 'Schedule')}</b>
        <label className="switch" title={t.enabled ? 'Enabled' : 'Disabled'}>
          <input type="checkbox" checked={t.enabled} onChange={toggle} data-testid="trigger-enabled" />
          {t.enabled ? 'on' : 'off'}
        </label>
      </div>
      {t.kind === 'webhook' ? <WebhookSummary trigger={t} reload={reload} /> : <ScheduleSummary trigger={t} />}
      <div className="row" style={{ marginTop: 6 }}>
        <button className="small" onClick={() => setOpen(!open)} data-testid="trigger-history-toggle">
          {open ? 'Hide history' : 'History'}
        </button>
        <span className="grow" />
        <button className="small danger" onClick={remove} data-testid="trigger-delete">
          Delete
        </button>
      </div>
      {open && <FireHistory triggerId={t.id} />}
    </div>
  );
}

function WebhookSummary({ trigger: t, reload }: { trigger: Trigger; reload: () => Promise<void> }) {
  const [rotated, setRotated] = useState<CreatedTrigger | null>(null);
  const rotate = async () => {
    if (!confirm('Make a new secret? Senders using the old one will get 401 until they switch.')) return;
    try {
      const { secret } = await api.post<{ secret: string }>(`${TRIGGERS}${t.id}/rotate-secret/`);
      setRotated({ ...t, secret });
      await reload();
    } catch (e) {
      toast(messageOf(e), 'error');
    }
  };
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(t.url ?? '');
      toast('URL copied', 'ok');
    } catch {
      toast('Copy failed: select the URL and copy it by hand.', 'error');
    }
  };
  return (
    <>
      <div className="secret-row">
        <code className="secret small-code" data-testid="webhook-url">
          {t.url}
        </code>
        <button className="small" onClick={copy}>
          Copy
        </button>
      </div>
      <div className="hint">
        {t.auth === 'hmac' ? 'HMAC-signed' : 'Bearer'} · secret …{t.secret_last4} · {t.response_mode}
        {t.response_mode === 'wait' ? ` ≤ ${t.wait_timeout_s} s` : ''} · {t.rate_limit_per_min}/min ·{' '}
        {t.version ? `v${t.version}` : 'latest'}{' '}
        <button className="link" onClick={rotate} data-testid="webhook-rotate">
          new secret
        </button>
      </div>
      {rotated && <WebhookCreated trigger={rotated} title="New webhook secret" onClose={() => setRotated(null)} />}
    </>
  );
}

function ScheduleSummary({ trigger: t }: { trigger: Trigger }) {
  return (
    <>
      <div data-testid="schedule-description">{describeSchedule(t)}</div>
      <div className="hint">
        {t.catch_up === 'skip' ? 'missed ticks skipped' : 'missed ticks run once'}
        {t.no_overlap ? ' · no overlap' : ''} · {t.version ? `v${t.version}` : 'latest'}
      </div>
      {t.next_times.length > 0 && (
        <div className="hint" data-testid="schedule-next">
          Next: {fmtTick(t.next_times[0], t.timezone)}
        </div>
      )}
    </>
  );
}

function FireHistory({ triggerId }: { triggerId: string }) {
  const [fires, setFires] = useState<Fire[] | null>(null);
  const load = useCallback(async () => {
    try {
      setFires(await api.get<Fire[]>(`${TRIGGERS}${triggerId}/fires/`));
    } catch (e) {
      toast(messageOf(e), 'error');
    }
  }, [triggerId]);
  useLoad(load);
  if (fires === null) return <div className="hint">Loading…</div>;
  if (fires.length === 0) return <div className="hint">Nothing triggered yet.</div>;
  return (
    <ul className="fire-list" data-testid="trigger-history">
      {fires.map((f) => (
        <li key={f.id}>
          <span className="hint">{fmtTime(f.created_at)}</span>{' '}
          {f.run ? (
            <Link to={`/runs/${f.run}`}>
              <StatusBadge status={f.run_status ?? 'queued'} />
            </Link>
          ) : (
            <span className={`fire-${f.status}`} title={f.detail}>
              {f.status}
            </span>
          )}
          {f.detail && <div className="hint">{f.detail}</div>}
        </li>
      ))}
    </ul>
  );
}
