import { describe, expect, it } from 'vitest';
import { curlExample, describeSchedule, fmtTick, mappingText, parseMapping } from './model';

describe('input mapping text', () => {
  it('reads one input per line and skips blanks and comments', () => {
    expect(parseMapping('question = body.text\n\n# note\nlang = upper(body.lang)')).toEqual({
      mapping: { question: 'body.text', lang: 'upper(body.lang)' },
    });
  });

  it('keeps an equals sign inside the expression', () => {
    expect(parseMapping('ok = body.a == 1').mapping).toEqual({ ok: 'body.a == 1' });
  });

  it('names the line that has no name or no expression', () => {
    expect(parseMapping('question = body.text\n= body.x').error).toMatch(/^Line 2:/);
    expect(parseMapping('question').error).toMatch(/^Line 1:/);
  });

  it('round-trips through its text form', () => {
    const mapping = { question: 'body.text', n: 'len(body.items)' };
    expect(parseMapping(mappingText(mapping)).mapping).toEqual(mapping);
  });
});

describe('curl example', () => {
  it('signs timestamp and body for an HMAC webhook', () => {
    const cmd = curlExample('http://x/hooks/1/', 'whsec_abc', 'hmac');
    expect(cmd).toContain("openssl dgst -sha256 -hmac 'whsec_abc'");
    expect(cmd).toContain('X-AXWeb-Signature: sha256=$SIG');
    expect(cmd).toContain('printf \'%s.%s\' "$TS" "$BODY"');
  });

  it('sends the secret as a bearer token otherwise', () => {
    expect(curlExample('http://x/hooks/1/', 'whsec_abc', 'bearer')).toContain('Authorization: Bearer whsec_abc');
  });

  it('quotes a body that holds a single quote', () => {
    expect(curlExample('u', 's', 'bearer', `{"q": "it's"}`)).toContain(`-d '{"q": "it'\\''s"}'`);
  });
});

describe('schedule description', () => {
  it('names presets, cron expressions and intervals', () => {
    expect(describeSchedule({ cron: '0 9 * * *', interval_s: null, timezone: 'UTC' })).toBe('every day at 09:00 (UTC)');
    expect(describeSchedule({ cron: '5 4 * * *', interval_s: null, timezone: 'Europe/Paris' })).toBe(
      'cron 5 4 * * * (Europe/Paris)',
    );
    expect(describeSchedule({ cron: '', interval_s: 300, timezone: 'UTC' })).toBe('every 5 min');
  });
});

describe('tick formatting', () => {
  it('reads a tick on the schedule’s own wall clock', () => {
    expect(fmtTick('2026-03-30T07:00:00Z', 'Europe/Paris')).toContain('09:00:00');
    expect(fmtTick('2026-03-30T07:00:00Z', 'Asia/Tokyo')).toContain('04:00:00');
  });

  it('falls back to the viewer’s clock for an unknown zone instead of failing', () => {
    expect(fmtTick('2026-03-30T07:00:00Z', 'Mars/Olympus')).toMatch(/\d\d:00:00/);
  });
});
