import { describe, expect, it } from 'vitest';
import { createBody, describeExpiry, expiresAtFor, isExpired, type ApiToken } from './tokens';

const NOW = new Date('2026-03-01T12:00:00Z');

describe('api token expiry', () => {
  it('sends no expiry unless one is chosen', () => {
    expect(expiresAtFor('', NOW)).toBeNull();
    expect(createBody('  laptop  ', '', NOW)).toEqual({ name: 'laptop' });
  });
  it('turns a choice of days into a date that many days ahead', () => {
    expect(expiresAtFor('30', NOW)).toBe('2026-03-31T12:00:00.000Z');
    expect(createBody('ci', '7', NOW)).toEqual({ name: 'ci', expires_at: '2026-03-08T12:00:00.000Z' });
  });
  it('describes how long a token has left, and when it has none', () => {
    expect(describeExpiry(null, NOW)).toBe('never');
    expect(describeExpiry('2026-03-04T13:00:00Z', NOW)).toBe('in 3 days');
    expect(describeExpiry('2026-03-01T13:20:00Z', NOW)).toBe('in 1 hour');
    expect(describeExpiry('2026-03-31T11:59:00Z', NOW)).toBe('in 30 days');
    expect(describeExpiry('2026-03-01T12:05:00Z', NOW)).toBe('in 5 minutes');
    expect(describeExpiry('2026-03-01T11:00:00Z', NOW)).toBe('expired');
    const token: ApiToken = {
      id: 1,
      name: 'x',
      prefix: 'axw_',
      created_at: '',
      last_used_at: null,
      expires_at: '2026-02-01T00:00:00Z',
    };
    expect(isExpired(token, NOW)).toBe(true);
    expect(isExpired({ ...token, expires_at: null }, NOW)).toBe(false);
  });
});
