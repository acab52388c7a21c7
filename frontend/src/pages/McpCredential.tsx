/** The `mcp` tool's stored credential: which of the user's credentials the server gets, and how
 * it is sent (`Authorization: Bearer <secret>`, or the bare secret in a named header). The
 * secret itself never reaches the browser: only the credential's id, label and last four. */
import { useEffect, useState } from 'react';
import { messageOf } from '../api/client';
import type { Credential } from '../api/types';
import { catalog } from '../lib/catalog';

type Config = Record<string, unknown>;

/** `bearer` (Authorization: Bearer <secret>) or `header` (a named header, the bare secret). */
export function sendMode(config: Config): 'bearer' | 'header' {
  const header = String(config.credential_header ?? 'Authorization');
  const scheme = String(config.credential_scheme ?? 'Bearer');
  return header.toLowerCase() === 'authorization' && scheme === 'Bearer' ? 'bearer' : 'header';
}

/** `config` with a credential choice applied: none, `bearer` (the defaults, so no keys) or a
 * named `header` carrying the bare secret. */
export function withCredential(config: Config, id: number | undefined, mode: 'bearer' | 'header', header = ''): Config {
  const { credential: _c, credential_header: _h, credential_scheme: _s, ...rest } = config;
  if (id === undefined) return rest;
  if (mode === 'bearer') return { ...rest, credential: id };
  return { ...rest, credential: id, credential_header: header || 'X-Api-Key', credential_scheme: '' };
}

function credentialLabel(c: Credential): string {
  return `${c.label || c.provider} (${c.provider}, …${c.last4})`;
}

export function McpCredential({
  config,
  replace,
  testId,
}: {
  config: Config;
  replace: (config: Config) => void;
  testId: string;
}) {
  const [credentials, setCredentials] = useState<Credential[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    catalog.credentials().then(setCredentials, (e) => setError(messageOf(e)));
  }, []);
  const id = typeof config.credential === 'number' ? config.credential : undefined;
  const mode = sendMode(config);
  const choose = (next: number | undefined, how: 'bearer' | 'header') =>
    replace(withCredential(config, next, how, configHeader(config)));
  const missing = id !== undefined && credentials !== null && !credentials.some((c) => c.id === id);
  return (
    <>
      <label className="param">
        <span className="object-label">Credential</span>
        <select
          value={id === undefined ? '' : String(id)}
          data-testid={`${testId}-credential`}
          onChange={(e) => choose(e.target.value ? Number(e.target.value) : undefined, mode)}
        >
          <option value="">None (headers only)</option>
          {missing && <option value={String(id)}>#{id} (deleted: pick another)</option>}
          {(credentials ?? []).map((c) => (
            <option key={c.id} value={String(c.id)}>
              {credentialLabel(c)}
            </option>
          ))}
        </select>
        {error && <span className="err-banner">{error}</span>}
        {credentials?.length === 0 && (
          <span className="hint">
            No stored credentials yet: add a <b>token</b> under Credentials.
          </span>
        )}
      </label>
      {id !== undefined && (
        <label className="param">
          <span className="object-label">Send it as</span>
          <select
            value={mode}
            data-testid={`${testId}-credential-mode`}
            onChange={(e) => choose(id, e.target.value as 'bearer' | 'header')}
          >
            <option value="bearer">Authorization: Bearer &lt;secret&gt;</option>
            <option value="header">A named header: &lt;secret&gt;</option>
          </select>
          {mode === 'header' && (
            <input
              className="mono"
              value={configHeader(config)}
              placeholder="X-Api-Key"
              aria-label="Header name"
              data-testid={`${testId}-credential-header`}
              onChange={(e) => replace({ ...config, credential_header: e.target.value })}
            />
          )}
        </label>
      )}
    </>
  );
}

function configHeader(config: Config): string {
  const header = String(config.credential_header ?? '');
  return header.toLowerCase() === 'authorization' ? '' : header;
}
