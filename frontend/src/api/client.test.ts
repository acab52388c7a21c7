import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, api, errorFromBody, listOf, prefetch, qs } from './client';

describe('api error shape', () => {
  it('turns the contract error body into field errors and graph problems', () => {
    const e = errorFromBody(400, {
      error: {
        status: 400,
        code: 'invalid',
        message: 'Fix the fields.',
        fields: { name: ['This field is required.'] },
        problems: [
          {
            code: 'type_mismatch',
            message: 'text output cannot feed a json input',
            node: 'n2',
            edge: 'e1',
            field: null,
          },
        ],
      },
    });
    expect(e).toBeInstanceOf(ApiError);
    expect(e.message).toBe('Fix the fields.');
    expect(e.fieldError('name')).toBe('This field is required.');
    expect(e.fieldError('other')).toBeUndefined();
    expect(e.problems[0].node).toBe('n2');
  });
  it('shows an item of a list field at the list, numbered from 1', () => {
    const e = errorFromBody(400, {
      error: {
        status: 400,
        code: 'invalid',
        message: 'x',
        fields: { 'fallback_models.1': ['Use provider:name.'], 'config.url': ['Required.'] },
        problems: [],
      },
    });
    expect(e.fieldError('fallback_models')).toBe('#2: Use provider:name.');
    expect(e.fieldError('config')).toBe('url: Required.');
    expect(e.fieldError('fallback')).toBeUndefined();
  });
  it('falls back to a sentence for bodies that are not the contract shape', () => {
    expect(errorFromBody(500, '<html>').message).toBe('The server had a problem. Please try again.');
    expect(errorFromBody(404, null).status).toBe(404);
    expect(errorFromBody(401, {}).message).toBe('Please log in.');
  });
  it('reads bare lists and paginated pages alike', () => {
    expect(listOf([1, 2])).toEqual([1, 2]);
    expect(listOf({ count: 1, next: null, previous: null, results: [3] })).toEqual([3]);
    expect(listOf(null)).toEqual([]);
  });
  it('builds query strings without empty values', () => {
    expect(qs({ search: 'a b', status: '', page: 2, workflow: null })).toBe('?search=a+b&page=2');
    expect(qs({})).toBe('');
  });
});

describe('prefetch', () => {
  afterEach(() => vi.unstubAllGlobals());
  const answer = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

  it('answers the first GET of a prefetched URL with the early answer, later ones from the server', async () => {
    const fetch = vi.fn(async () => answer(200, { n: fetch.mock.calls.length }));
    vi.stubGlobal('fetch', fetch);
    prefetch(['/api/x/']);
    expect(await api.get('/api/x/')).toEqual({ n: 1 });
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(await api.get('/api/x/')).toEqual({ n: 2 });
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('asks again when the early answer found no session (the user logged in meanwhile)', async () => {
    const fetch = vi.fn(async () => (fetch.mock.calls.length === 1 ? answer(403, {}) : answer(200, { ok: true })));
    vi.stubGlobal('fetch', fetch);
    prefetch(['/api/y/']);
    expect(await api.get('/api/y/')).toEqual({ ok: true });
    expect(fetch).toHaveBeenCalledTimes(2);
  });
});
