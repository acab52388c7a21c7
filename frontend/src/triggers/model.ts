/** Triggers as the API returns them, and the pure helpers the Triggers tab uses. */

export type TriggerKind = 'webhook' | 'schedule';

export interface Trigger {
  id: string;
  workflow: number | string;
  kind: TriggerKind;
  name: string;
  enabled: boolean;
  version: number | null;
  input_mapping: Record<string, string>;
  auth: 'hmac' | 'bearer';
  response_mode: 'async' | 'wait';
  wait_timeout_s: number;
  rate_limit_per_min: number;
  cron: string;
  interval_s: number | null;
  timezone: string;
  catch_up: 'skip' | 'once';
  no_overlap: boolean;
  secret_last4: string;
  next_fire_at: string | null;
  url: string | null;
  next_times: string[];
  created_at: string;
}

export interface CreatedTrigger extends Trigger {
  secret: string;
}

export interface Fire {
  id: number;
  status: 'started' | 'skipped' | 'refused';
  detail: string;
  run: string | null;
  run_status: string | null;
  tick_at: string | null;
  idempotency_key: string;
  created_at: string;
}

export const CRON_PRESETS: { label: string; cron: string }[] = [
  { label: 'Every minute', cron: '* * * * *' },
  { label: 'Every 15 minutes', cron: '*/15 * * * *' },
  { label: 'Every hour', cron: '0 * * * *' },
  { label: 'Every day at 09:00', cron: '0 9 * * *' },
  { label: 'Weekdays at 09:00', cron: '0 9 * * 1-5' },
  { label: 'Mondays at 08:00', cron: '0 8 * * 1' },
  { label: 'First of the month at 00:00', cron: '0 0 1 * *' },
];

/** `name = expression` per line → the API's input mapping; blank lines and `#` comments skipped. */
export function parseMapping(text: string): { mapping: Record<string, string>; error?: string } {
  const mapping: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line || line.startsWith('#')) continue;
    const at = line.indexOf('=');
    const name = at > 0 ? line.slice(0, at).trim() : '';
    const expr = at > 0 ? line.slice(at + 1).trim() : '';
    if (!name || !expr || !/^[A-Za-z_][\w-]*$/.test(name))
      return { mapping, error: `Line ${i + 1}: write “input_name = expression”, e.g. question = body.text` };
    mapping[name] = expr;
  }
  return { mapping };
}

export function mappingText(mapping: Record<string, string>): string {
  return Object.entries(mapping)
    .map(([k, v]) => `${k} = ${v}`)
    .join('\n');
}

/** A shell command that calls the webhook the way the server checks it. */
export function curlExample(
  url: string,
  secret: string,
  auth: Trigger['auth'],
  body = '{"question": "hello"}',
): string {
  const quoted = `'${body.replace(/'/g, `'\\''`)}'`;
  if (auth === 'bearer')
    return [
      `curl -X POST '${url}' \\`,
      `  -H 'Authorization: Bearer ${secret}' \\`,
      `  -H 'Content-Type: application/json' \\`,
      `  -d ${quoted}`,
    ].join('\n');
  return [
    `BODY=${quoted}`,
    `TS=$(date +%s)`,
    `SIG=$(printf '%s.%s' "$TS" "$BODY" | openssl dgst -sha256 -hmac '${secret}' | sed 's/^.* //')`,
    `curl -X POST '${url}' \\`,
    `  -H "X-AXWeb-Timestamp: $TS" \\`,
    `  -H "X-AXWeb-Signature: sha256=$SIG" \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -d "$BODY"`,
  ].join('\n');
}

export function describeSchedule(t: Pick<Trigger, 'cron' | 'interval_s' | 'timezone'>): string {
  if (t.interval_s) return `every ${formatSeconds(t.interval_s)}`;
  const preset = CRON_PRESETS.find((p) => p.cron === t.cron);
  return `${preset ? preset.label.toLowerCase() : `cron ${t.cron}`} (${t.timezone})`;
}

export function formatSeconds(s: number): string {
  if (s % 86400 === 0) return `${s / 86400} d`;
  if (s % 3600 === 0) return `${s / 3600} h`;
  if (s % 60 === 0) return `${s / 60} min`;
  return `${s} s`;
}

/** A tick with its day, on the wall clock of `timeZone` (the viewer's when absent or unknown). */
export function fmtTick(iso: string, timeZone?: string): string {
  const options: Intl.DateTimeFormatOptions = {
    weekday: 'short',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  };
  try {
    return new Date(iso).toLocaleString(undefined, { ...options, timeZone });
  } catch {
    return new Date(iso).toLocaleString(undefined, options); // a zone the browser does not know
  }
}
