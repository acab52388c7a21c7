import { useCallback, useState, type FormEvent } from 'react';
import { ApiError, api, messageOf, type Page } from '../api/client';
import { ErrorBanner, Field, ListSkeleton, useLoad } from '../components/common';
import { fmtTime, toast } from '../lib/ui';
import {
  EXPIRY_CHOICES,
  createBody,
  describeExpiry,
  isExpired,
  type ApiToken,
  type CreatedToken,
} from '../settings/tokens';

const TOKENS = '/api/auth/tokens/';

export function SettingsPage() {
  return (
    <div className="page settings">
      <div className="page-head">
        <h1>Settings</h1>
      </div>
      <ApiTokens />
      <PasswordForm />
    </div>
  );
}

function ApiTokens() {
  const [items, setItems] = useState<ApiToken[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<CreatedToken | null>(null);

  const load = useCallback(async () => {
    try {
      setItems((await api.get<Page<ApiToken>>(`${TOKENS}?page_size=200`)).results);
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, []);
  useLoad(load);

  async function revoke(t: ApiToken) {
    if (!confirm(`Revoke “${t.name}”? Scripts using it will stop working at once.`)) return;
    try {
      await api.del(`${TOKENS}${t.id}/`);
      toast(`Revoked “${t.name}”`, 'ok');
      if (created?.id === t.id) setCreated(null);
      await load();
    } catch (e) {
      toast(messageOf(e), 'error');
    }
  }

  return (
    <section className="settings-section" data-testid="api-tokens">
      <h2>API tokens</h2>
      <p className="hint">
        For scripts and API clients: send <code>Authorization: Bearer &lt;token&gt;</code>. A token acts as you; revoke
        it when it is no longer needed.
      </p>
      <CreateToken
        onCreated={(t) => {
          setCreated(t);
          void load();
        }}
      />
      {created && <NewSecret token={created} onDone={() => setCreated(null)} />}
      <ErrorBanner error={error} />
      {!items && !error && <ListSkeleton rows={2} columns={5} />}
      {items && items.length === 0 && <div className="card empty">No API tokens yet.</div>}
      {items && items.length > 0 && <TokenTable items={items} onRevoke={revoke} />}
    </section>
  );
}

function TokenTable({ items, onRevoke }: { items: ApiToken[]; onRevoke: (t: ApiToken) => void }) {
  return (
    <table className="list" data-testid="token-list">
      <thead>
        <tr>
          <th>Name</th>
          <th>Created</th>
          <th>Last used</th>
          <th>Expires</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {items.map((t) => (
          <tr key={t.id} data-testid={`token-row-${t.id}`}>
            <td>
              <b>{t.name}</b>
              <div className="hint mono">{t.prefix}…</div>
            </td>
            <td className="hint">{fmtTime(t.created_at)}</td>
            <td className="hint">{t.last_used_at ? fmtTime(t.last_used_at) : 'never'}</td>
            <td className={isExpired(t) ? 'expired' : 'hint'} title={t.expires_at ? fmtTime(t.expires_at) : undefined}>
              {describeExpiry(t.expires_at)}
            </td>
            <td style={{ textAlign: 'right' }}>
              <button className="small danger" onClick={() => onRevoke(t)} data-testid={`revoke-${t.id}`}>
                Revoke
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function CreateToken({ onCreated }: { onCreated: (t: CreatedToken) => void }) {
  const [name, setName] = useState('');
  const [expiry, setExpiry] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    try {
      onCreated(await api.post<CreatedToken>(TOKENS, createBody(name, expiry)));
      setName('');
      setError(null);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'error', messageOf(err)));
    } finally {
      setBusy(false);
    }
  }
  const general = error && !Object.keys(error.fields).length ? error.message : null;
  return (
    <form className="card token-form" onSubmit={submit} data-testid="token-form">
      {general && <div className="err-banner">{general}</div>}
      <div className="token-form-row">
        <Field label="Name" error={error?.fieldError('name')}>
          <input name="name" placeholder="e.g. laptop script" value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label="Expires" error={error?.fieldError('expires_at')}>
          <select name="expiry" value={expiry} onChange={(e) => setExpiry(e.target.value)}>
            {EXPIRY_CHOICES.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
        </Field>
        <button className="primary" type="submit" disabled={busy} data-testid="create-token">
          Create token
        </button>
      </div>
    </form>
  );
}

function NewSecret({ token, onDone }: { token: CreatedToken; onDone: () => void }) {
  async function copy() {
    try {
      await navigator.clipboard.writeText(token.token);
      toast('Token copied', 'ok');
    } catch {
      toast('Copy failed: select the token and copy it by hand.', 'error');
    }
  }
  return (
    <div className="card new-secret" role="status" data-testid="new-token">
      <div>
        <b>“{token.name}” created.</b> Copy it now: it is shown only this once.
      </div>
      <div className="secret-row">
        <code className="secret" data-testid="new-token-secret">
          {token.token}
        </code>
        <button onClick={copy} data-testid="copy-token">
          Copy
        </button>
        <button className="ghost" onClick={onDone} data-testid="token-done">
          Done
        </button>
      </div>
    </div>
  );
}

function PasswordForm() {
  const [old, setOld] = useState('');
  const [next, setNext] = useState('');
  const [error, setError] = useState<ApiError | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    try {
      await api.post('/api/auth/password/', { old_password: old, new_password: next });
      setOld('');
      setNext('');
      setError(null);
      toast('Password changed', 'ok');
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'error', messageOf(err)));
    }
  }
  return (
    <section className="settings-section">
      <h2>Password</h2>
      <form className="card token-form" onSubmit={submit} data-testid="password-form" style={{ maxWidth: 420 }}>
        {error && !Object.keys(error.fields).length && <div className="err-banner">{error.message}</div>}
        <Field label="Current password" error={error?.fieldError('old_password')}>
          <input
            name="old_password"
            type="password"
            autoComplete="current-password"
            value={old}
            onChange={(e) => setOld(e.target.value)}
          />
        </Field>
        <Field
          label="New password"
          error={error?.fieldError('new_password')}
          hint="At least 8 characters, not all digits, not a common password, not like your username."
        >
          <input
            name="new_password"
            type="password"
            autoComplete="new-password"
            value={next}
            onChange={(e) => setNext(e.target.value)}
          />
        </Field>
        <button className="primary" type="submit">
          Change password
        </button>
      </form>
    </section>
  );
}
