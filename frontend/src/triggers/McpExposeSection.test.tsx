import { cleanup, fireEvent, render, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { McpExposeSection } from './McpExposeSection';
import { mcpClientConfig, mcpUrl } from './mcp';

type Call = { method: string; url: string; body: unknown };

function server(initial: Record<string, unknown>) {
  const calls: Call[] = [];
  let row = { ...initial };
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit = {}) => {
      const method = init.method ?? 'GET';
      const body = init.body ? JSON.parse(String(init.body)) : undefined;
      calls.push({ method, url, body });
      if (method === 'PATCH') row = { ...row, ...(body as object) };
      return new Response(JSON.stringify(row), { status: 200, headers: { 'Content-Type': 'application/json' } });
    }),
  );
  return calls;
}

const WORKFLOW = { id: 7, slug: 'ask-alpha', expose_as_tool: false, latest_version: { number: 1 } };

beforeEach(() => {
  document.cookie = 'csrftoken=t';
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('MCP expose section', () => {
  it('builds the URL and a client config with a bearer header', () => {
    expect(mcpUrl('http://axweb.test/')).toBe('http://axweb.test/mcp/');
    expect(JSON.parse(mcpClientConfig('http://axweb.test', 'axw_1'))).toEqual({
      mcpServers: {
        axweb: { type: 'http', url: 'http://axweb.test/mcp/', headers: { Authorization: 'Bearer axw_1' } },
      },
    });
  });

  it('hides the snippet until the workflow is exposed, then saves the toggle and shows it', async () => {
    const calls = server(WORKFLOW);
    const view = render(<McpExposeSection workflowId={7} />);
    const toggle = (await view.findByTestId('mcp-expose-toggle')) as HTMLInputElement;
    expect(toggle.checked).toBe(false);
    expect(view.queryByTestId('mcp-snippet')).toBeNull();
    fireEvent.click(toggle);
    await waitFor(() => expect(view.getByTestId('mcp-snippet')).toBeTruthy());
    expect(calls.at(-1)).toEqual({ method: 'PATCH', url: '/api/workflows/7/', body: { expose_as_tool: true } });
    expect(view.getByTestId('mcp-url').textContent).toBe(`${window.location.origin}/mcp/`);
    expect(view.getByTestId('mcp-header').textContent).toBe('Authorization: Bearer <your API token>');
    expect(view.getByText('ask-alpha')).toBeTruthy();
  });

  it('says a version must be saved first when there is none', async () => {
    server({ ...WORKFLOW, expose_as_tool: true, latest_version: null });
    const view = render(<McpExposeSection workflowId={7} />);
    expect(await view.findByTestId('mcp-needs-version')).toBeTruthy();
  });

  it('shows the server refusal in red', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(
        async () =>
          new Response(JSON.stringify({ error: { status: 404, code: 'not_found', message: 'Not found.' } }), {
            status: 404,
          }),
      ),
    );
    const view = render(<McpExposeSection workflowId={99} />);
    expect((await view.findByText('Not found.')).className).toBe('err-banner');
  });
});
