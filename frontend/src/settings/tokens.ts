/** Personal API tokens (accounts/ on the server): the expiry choices of the create form, and how a
 * token's dates read in the list. */

export interface ApiToken {
  id: number;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
}

/** The create response: the only time the secret is sent. */
export interface CreatedToken extends ApiToken {
  token: string;
}

export const EXPIRY_CHOICES = [
  { value: '', label: 'No expiry', days: null },
  { value: '7', label: '7 days', days: 7 },
  { value: '30', label: '30 days', days: 30 },
  { value: '90', label: '90 days', days: 90 },
  { value: '365', label: '1 year', days: 365 },
] as const;

const DAY_MS = 86_400_000;

/** The `expires_at` to send for a choice: null for no expiry, else now + the chosen days. */
export function expiresAtFor(choice: string, now: Date = new Date()): string | null {
  const days = EXPIRY_CHOICES.find((c) => c.value === choice)?.days ?? null;
  return days === null ? null : new Date(now.getTime() + days * DAY_MS).toISOString();
}

/** The create request body: the name trimmed, the expiry only when one was chosen. */
export function createBody(
  name: string,
  choice: string,
  now: Date = new Date(),
): { name: string; expires_at?: string } {
  const expires = expiresAtFor(choice, now);
  return expires ? { name: name.trim(), expires_at: expires } : { name: name.trim() };
}

/** "never", "expired", "in 3 days", "in 5 hours", "in 12 minutes". */
export function describeExpiry(expiresAt: string | null, now: Date = new Date()): string {
  if (!expiresAt) return 'never';
  const left = new Date(expiresAt).getTime() - now.getTime();
  if (isNaN(left)) return expiresAt;
  if (left <= 0) return 'expired';
  const units: [number, string][] = [
    [DAY_MS, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
  ];
  for (const [size, unit] of units) {
    if (left < size) continue;
    const n = Math.round(left / size); // a token made for 30 days reads "in 30 days", not 29
    return `in ${n} ${unit}${n === 1 ? '' : 's'}`;
  }
  return 'in less than a minute';
}

export function isExpired(token: ApiToken, now: Date = new Date()): boolean {
  return describeExpiry(token.expires_at, now) === 'expired';
}
