import { cleanup, fireEvent, render } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { invalidate } from '../lib/catalog';
import { McpCredential, sendMode, withCredential } from './McpCredential';

const CREDENTIALS = [
  { id: 3, provider: 'token', label: 'github mcp', is_set: true, last4: 'c6d5' },
  { id: 4, provider: 'anthropic', label: '', is_set: true, last4: 'zz99' },
];

function serve(rows: unknown[]) {
  vi.stubGlobal(
    'fetch',
    vi.fn(
      async () => new Response(JSON.stringify(rows), { status: 200, headers: { 'Content-Type': 'application/json' } }),
    ),
  );
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  invalidate();
});

describe('the MCP tool credential', () => {
  it('sends the bearer default with only the id stored, or a named header with the bare secret', () => {
    const base = { url: 'http://x/mcp', headers: { A: 'b' } };
    expect(withCredential(base, 3, 'bearer')).toEqual({ ...base, credential: 3 });
    const named = withCredential(base, 3, 'header', 'X-Token');
    expect(named).toEqual({ ...base, credential: 3, credential_header: 'X-Token', credential_scheme: '' });
    expect(sendMode(named)).toBe('header');
    expect(withCredential(named, undefined, 'header')).toEqual(base);
    expect(sendMode({ credential: 3 })).toBe('bearer');
  });

  it('lists the user’s credentials without secrets and stores the picked id', async () => {
    serve(CREDENTIALS);
    const replace = vi.fn();
    const view = render(<McpCredential config={{ url: 'http://x/mcp' }} replace={replace} testId="t" />);
    expect(await view.findByText('github mcp (token, …c6d5)')).toBeTruthy();
    expect(view.queryByTestId('t-credential-mode')).toBeNull();
    fireEvent.change(view.getByTestId('t-credential'), { target: { value: '3' } });
    expect(replace).toHaveBeenLastCalledWith({ url: 'http://x/mcp', credential: 3 });
  });

  it('switches to a named header and lets the header be renamed', async () => {
    serve(CREDENTIALS);
    const replace = vi.fn();
    const view = render(<McpCredential config={{ credential: 3 }} replace={replace} testId="t" />);
    await view.findByText('github mcp (token, …c6d5)');
    fireEvent.change(view.getByTestId('t-credential-mode'), { target: { value: 'header' } });
    expect(replace).toHaveBeenLastCalledWith({ credential: 3, credential_header: 'X-Api-Key', credential_scheme: '' });
    view.rerender(
      <McpCredential
        config={{ credential: 3, credential_header: 'X-Api-Key', credential_scheme: '' }}
        replace={replace}
        testId="t"
      />,
    );
    fireEvent.change(view.getByTestId('t-credential-header'), { target: { value: 'X-Key' } });
    expect(replace).toHaveBeenLastCalledWith({ credential: 3, credential_header: 'X-Key', credential_scheme: '' });
  });

  it('says when the stored credential was deleted, and how to add one when there is none', async () => {
    serve([]);
    const view = render(<McpCredential config={{ credential: 9 }} replace={vi.fn()} testId="t" />);
    expect(await view.findByText('#9 (deleted: pick another)')).toBeTruthy();
    expect(view.getByText(/No stored credentials yet/)).toBeTruthy();
  });
});
