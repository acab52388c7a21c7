import { useEffect, useState } from 'react';
import { ApiError, api } from '../api/client';
import { ErrorBanner, Field, Modal } from '../components/common';
import { CommonFields, Footer, create, useCommon, type OnCreated } from './common';
import { CRON_PRESETS, fmtTick } from './model';

export interface ScheduleSpec {
  every: 'cron' | 'interval';
  cron: string;
  interval: string;
  timezone: string;
}

export function scheduleBody(s: ScheduleSpec) {
  return s.every === 'cron'
    ? { cron: s.cron, interval_s: null, timezone: s.timezone }
    : { cron: '', interval_s: Number(s.interval), timezone: s.timezone };
}

/** The next five ticks of what is typed, asked of the server (the same parser fires them). */
function usePreview(spec: ScheduleSpec) {
  // The ticks with the zone they were asked for: shown on that clock even while a new ask is on its way.
  const [next, setNext] = useState<{ ticks: string[]; zone: string }>({ ticks: [], zone: 'UTC' });
  const [error, setError] = useState<string | null>(null);
  const body = JSON.stringify(scheduleBody(spec));
  useEffect(() => {
    const t = setTimeout(async () => {
      try {
        const asked = JSON.parse(body) as { timezone: string };
        const answer = await api.post<{ next: string[] }>('/api/triggers/preview/', asked);
        setNext({ ticks: answer.next, zone: asked.timezone });
        setError(null);
      } catch (e) {
        setNext({ ticks: [], zone: 'UTC' });
        setError(e instanceof ApiError ? e.message : String(e));
      }
    }, 250);
    return () => clearTimeout(t);
  }, [body]);
  return { next, error };
}

export function ScheduleFields({ spec, set }: { spec: ScheduleSpec; set: (s: ScheduleSpec) => void }) {
  const preview = usePreview(spec);
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : ['UTC'];
  return (
    <>
      <div className="trigger-grid">
        <Field label="Repeat">
          <select
            value={spec.every}
            onChange={(e) => set({ ...spec, every: e.target.value as 'cron' | 'interval' })}
            data-testid="schedule-every"
          >
            <option value="cron">On a cron expression</option>
            <option value="interval">Every N seconds</option>
          </select>
        </Field>
        <Field label="Time zone">
          <input
            list="tz-list"
            value={spec.timezone}
            onChange={(e) => set({ ...spec, timezone: e.target.value })}
            data-testid="schedule-timezone"
          />
          <datalist id="tz-list">
            {['UTC', ...zones].map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
        </Field>
      </div>
      {spec.every === 'cron' ? (
        <CronField spec={spec} set={set} />
      ) : (
        <Field label="Interval (seconds)">
          <input
            type="number"
            min={1}
            value={spec.interval}
            onChange={(e) => set({ ...spec, interval: e.target.value })}
            data-testid="schedule-interval"
          />
        </Field>
      )}
      <div className="preview" data-testid="schedule-preview">
        <span className="lbl">Next five runs ({preview.next.zone})</span>
        {preview.error ? <div className="field-error">{preview.error}</div> : null}
        <ol>
          {preview.next.ticks.map((t) => (
            <li key={t}>{fmtTick(t, preview.next.zone)}</li>
          ))}
        </ol>
      </div>
    </>
  );
}

function CronField({ spec, set }: { spec: ScheduleSpec; set: (s: ScheduleSpec) => void }) {
  return (
    <Field label="Cron expression" hint="minute hour day-of-month month day-of-week, e.g. 30 9 * * 1-5">
      <div className="row cron-row">
        <input
          className="mono grow"
          value={spec.cron}
          onChange={(e) => set({ ...spec, cron: e.target.value })}
          data-testid="schedule-cron"
        />
        <select
          value=""
          onChange={(e) => e.target.value && set({ ...spec, cron: e.target.value })}
          data-testid="cron-preset"
        >
          <option value="">Presets…</option>
          {CRON_PRESETS.map((p) => (
            <option key={p.cron} value={p.cron}>
              {p.label}
            </option>
          ))}
        </select>
      </div>
    </Field>
  );
}

export function NewScheduleDialog({
  workflowId,
  onClose,
  onCreated,
}: {
  workflowId: string;
  onClose: () => void;
  onCreated: OnCreated;
}) {
  const c = useCommon();
  const [spec, setSpec] = useState<ScheduleSpec>({
    every: 'cron',
    cron: '0 9 * * 1-5',
    interval: '3600',
    timezone: localZone(),
  });
  const [catchUp, setCatchUp] = useState<'skip' | 'once'>('skip');
  const [noOverlap, setNoOverlap] = useState(false);
  const submit = () =>
    create(
      c,
      { workflow: workflowId, kind: 'schedule', ...scheduleBody(spec), catch_up: catchUp, no_overlap: noOverlap },
      onCreated,
    );
  return (
    <Modal
      title="New schedule"
      onClose={onClose}
      wide
      footer={<Footer onClose={onClose} onCreate={submit} label="Create schedule" />}
    >
      <ErrorBanner error={c.error} />
      <ScheduleFields spec={spec} set={setSpec} />
      <div className="trigger-grid">
        <Field label="Missed runs" hint="While no scheduler was running (a restart, an outage).">
          <select
            value={catchUp}
            onChange={(e) => setCatchUp(e.target.value as 'skip' | 'once')}
            data-testid="schedule-catchup"
          >
            <option value="skip">Skip them</option>
            <option value="once">Run once to catch up</option>
          </select>
        </Field>
        <label className="check">
          <input
            type="checkbox"
            checked={noOverlap}
            onChange={(e) => setNoOverlap(e.target.checked)}
            data-testid="schedule-no-overlap"
          />
          Skip a tick while the previous run is still going
        </label>
      </div>
      <CommonFields
        c={c}
        example="One input per line; names: scheduled_for (ISO time), trigger (its name). e.g. question = 'Daily report for ' + scheduled_for"
      />
    </Modal>
  );
}

function localZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}
