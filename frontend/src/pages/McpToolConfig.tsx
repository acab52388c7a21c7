/** The `mcp` tool kind's form: the server's address, transport, headers and stored credential, and the tools
 * discovered from it (refreshed on demand through POST /api/tools/<id>/refresh/). */
import { useState } from 'react';
import { api, messageOf } from '../api/client';
import { asObject, JsonInput } from '../editor/fields';
import { invalidate } from '../lib/catalog';
import { fmtTime, toast } from '../lib/ui';
import { McpCredential } from './McpCredential';

type Config = Record<string, unknown>;
interface Discovered {
  name: string;
  description?: string;
}

function DiscoveredTools({ server, config }: { server: string; config: Config }) {
  const tools = (Array.isArray(config.tools) ? config.tools : []) as Discovered[];
  if (!config.refreshed_at) return <span className="hint">No tools discovered yet.</span>;
  return (
    <div data-testid="mcp-discovered">
      <span className="hint">
        {tools.length} tool{tools.length === 1 ? '' : 's'}, discovered {fmtTime(String(config.refreshed_at))}; agents
        and tool nodes call them as <code>{server || 'name'}__tool</code>.
      </span>
      <ul className="mcp-tools">
        {tools.map((t) => (
          <li key={t.name}>
            <b className="mono">{t.name}</b> <span className="hint">{t.description}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

function RefreshButton({ toolId, onConfig }: { toolId?: number | string; onConfig: (c: Config) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const refresh = async () => {
    setBusy(true);
    try {
      const row = await api.post<{ config: Config }>(`/api/tools/${toolId}/refresh/`);
      onConfig(row.config);
      invalidate('tools');
      setError(null);
      toast('Tools discovered', 'ok');
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };
  if (toolId === undefined) return <span className="hint">Save the tool, then discover its tools.</span>;
  return (
    <div>
      <button type="button" className="small" disabled={busy} onClick={() => void refresh()} data-testid="mcp-refresh">
        {busy ? 'Discovering…' : 'Discover tools'}
      </button>
      {error && <div className="err-banner">{error}</div>}
    </div>
  );
}

export function McpToolConfig(props: {
  config: Config;
  put: (key: string, v: unknown) => void;
  replace: (config: Config) => void;
  testId: string;
  toolId?: number | string;
  server: string;
}) {
  const { config, put, testId } = props;
  return (
    <div className="param-grid" data-testid={testId}>
      <label className="param" style={{ gridColumn: '1 / -1' }}>
        <span className="object-label">Server URL</span>
        <input
          className="mono"
          value={String(config.url ?? '')}
          placeholder="https://mcp.example.org/mcp"
          data-testid={`${testId}-url`}
          onChange={(e) => put('url', e.target.value)}
        />
      </label>
      <label className="param">
        <span className="object-label">Transport</span>
        <select
          value={String(config.transport ?? 'streamable_http')}
          data-testid={`${testId}-transport`}
          onChange={(e) => put('transport', e.target.value)}
        >
          <option value="streamable_http">Streamable HTTP</option>
          <option value="sse">SSE</option>
        </select>
      </label>
      <label className="param">
        <span className="object-label">Headers</span>
        <JsonInput
          value={config.headers ?? {}}
          onChange={(v) => put('headers', v && Object.keys(asObject(v)).length ? v : undefined)}
          testId={`${testId}-headers`}
        />
      </label>
      <McpCredential config={config} replace={props.replace} testId={testId} />
      <div className="param" style={{ gridColumn: '1 / -1' }}>
        <RefreshButton toolId={props.toolId} onConfig={props.replace} />
        <DiscoveredTools server={props.server} config={config} />
      </div>
      <span className="hint" style={{ gridColumn: '1 / -1' }}>
        The host must be on the server&apos;s allow-list (AXWEB_HTTP_ALLOWED_HOSTS). Discovery uses the saved URL,
        headers and credential.
      </span>
    </div>
  );
}
