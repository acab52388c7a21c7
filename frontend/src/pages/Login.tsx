import { useState, type FormEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { ApiError, messageOf } from '../api/client';
import { Field } from '../components/common';
import { useAuth } from '../lib/ui';

export function LoginPage() {
  const login = useAuth((s) => s.login);
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<ApiError | string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(username, password);
      navigate(params.get('next') || '/');
    } catch (err) {
      setError(err instanceof ApiError ? err : messageOf(err));
    } finally {
      setBusy(false);
    }
  }
  const fe = (n: string) => (error instanceof ApiError ? error.fieldError(n) : undefined);
  // Field errors show under their field; the banner is for errors that belong to no field.
  const general = error instanceof ApiError ? (fe('username') || fe('password') ? null : error.message) : error;
  return (
    <main className="login-wrap">
      <form className="card login" onSubmit={submit} data-testid="login-form">
        <div className="brand" style={{ marginBottom: 16 }}>
          <span className="logo" />
          AXWeb
        </div>
        <h1>Sign in</h1>
        {general && (
          <div className="err-banner" role="alert">
            {general}
          </div>
        )}
        <Field label="Username" error={fe('username')}>
          <input
            name="username"
            autoFocus
            autoComplete="username"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
          />
        </Field>
        <Field label="Password" error={fe('password')}>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </Field>
        <button className="primary" type="submit" disabled={busy} style={{ width: '100%', justifyContent: 'center' }}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
