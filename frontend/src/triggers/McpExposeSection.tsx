/** "Expose as a tool": the workflow becomes a tool of AXWeb's MCP server at /mcp/, with the
 * snippet an MCP client needs to connect. Self-contained: loads and saves the workflow itself. */
import { useCallback, useEffect, useState } from 'react';
import { api, messageOf } from '../api/client';
import { toast } from '../lib/ui';
import { mcpAuthHeader, mcpClientConfig, mcpUrl } from './mcp';

interface Exposable {
  id: number | string;
  slug: string;
  expose_as_tool?: boolean;
  latest_version: unknown;
}

async function copy(text: string, what: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    toast(`${what} copied`, 'ok');
  } catch {
    toast('Copy failed: select the text and copy it by hand.', 'error');
  }
}

function CopyRow({ label, text, testId }: { label: string; text: string; testId: string }) {
  return (
    <div className="mcp-row">
      <span className="object-label">{label}</span>
      <code className="secret mono" data-testid={testId}>
        {text}
      </code>
      <button className="small" onClick={() => void copy(text, label)} data-testid={`${testId}-copy`}>
        Copy
      </button>
    </div>
  );
}

function Snippet({ slug }: { slug: string }) {
  const origin = window.location.origin;
  const config = mcpClientConfig(origin);
  return (
    <div className="mcp-snippet" data-testid="mcp-snippet">
      <p className="hint">
        MCP clients see this workflow as the tool <b className="mono">{slug}</b>; its Input nodes are the arguments.
        Create an API token on the <a href="/settings">Settings</a> page and use it in place of the placeholder.
      </p>
      <CopyRow label="URL" text={mcpUrl(origin)} testId="mcp-url" />
      <CopyRow label="Header" text={`Authorization: ${mcpAuthHeader()}`} testId="mcp-header" />
      <div className="mcp-row">
        <span className="object-label">Client config</span>
        <pre className="mono" data-testid="mcp-config">
          {config}
        </pre>
        <button className="small" onClick={() => void copy(config, 'Client config')} data-testid="mcp-config-copy">
          Copy
        </button>
      </div>
    </div>
  );
}

export function McpExposeSection({ workflowId }: { workflowId: number | string }) {
  const [workflow, setWorkflow] = useState<Exposable | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const url = `/api/workflows/${workflowId}/`;

  useEffect(() => {
    let live = true;
    api
      .get<Exposable>(url)
      .then((w) => live && setWorkflow(w))
      .catch((e: unknown) => live && setError(messageOf(e)));
    return () => {
      live = false;
    };
  }, [url]);

  const toggle = useCallback(
    async (expose: boolean) => {
      setBusy(true);
      try {
        setWorkflow(await api.patch<Exposable>(url, { expose_as_tool: expose }));
        setError(null);
      } catch (e) {
        setError(messageOf(e));
      } finally {
        setBusy(false);
      }
    },
    [url],
  );

  return (
    <section className="section mcp-expose" data-testid="mcp-expose">
      <h3>MCP tool</h3>
      {error && <div className="err-banner">{error}</div>}
      {workflow && (
        <>
          <label className="mcp-toggle">
            <input
              type="checkbox"
              checked={Boolean(workflow.expose_as_tool)}
              disabled={busy}
              onChange={(e) => void toggle(e.target.checked)}
              data-testid="mcp-expose-toggle"
            />{' '}
            Expose as a tool of AXWeb&apos;s MCP server
          </label>
          {workflow.expose_as_tool && !workflow.latest_version && (
            <p className="hint" data-testid="mcp-needs-version">
              Save a version first: MCP calls run the newest saved version.
            </p>
          )}
          {workflow.expose_as_tool && <Snippet slug={workflow.slug} />}
        </>
      )}
    </section>
  );
}
