import { describe, expect, it } from 'vitest';
import { ApiError, errorFromBody, listOf, qs } from './client';

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
