import { NavLink, Outlet, useNavigate } from 'react-router-dom';
import { useAuth, useTheme } from '../lib/ui';

const NAV = [
  ['/', 'Workflows', '⧉'],
  ['/runs', 'Runs', '▶'],
  ['/agents', 'Agents', '☺'],
  ['/tools', 'Tools', '⚒'],
  ['/models', 'Models', '◈'],
  ['/knowledge', 'Knowledge', '❏'],
  ['/credentials', 'Credentials', '⚿'],
] as const;

export function Shell() {
  const user = useAuth((s) => s.user);
  const logout = useAuth((s) => s.logout);
  const { theme, toggle } = useTheme();
  const navigate = useNavigate();
  return (
    <div className="shell">
      <header className="topbar">
        <div className="brand"><span className="logo" />AXWeb</div>
        <div className="spacer" />
        <button className="ghost" onClick={toggle} title="Toggle light/dark" data-testid="theme-toggle">
          {theme === 'dark' ? '☀ Light' : '☾ Dark'}
        </button>
        <span className="hint" data-testid="current-user">{user?.username}</span>
        <button
          onClick={async () => {
            await logout();
            navigate('/login');
          }}
          data-testid="logout"
        >
          Log out
        </button>
      </header>
      <nav className="sidenav">
        {NAV.map(([to, label, icon]) => (
          <NavLink key={to} to={to} end={to === '/'} data-testid={`nav-${label.toLowerCase()}`}
            className={({ isActive }) => (isActive || (to === '/' && location.pathname.startsWith('/workflows')) ? 'active' : '')}>
            <span aria-hidden>{icon}</span>{label}
          </NavLink>
        ))}
      </nav>
      <main className="main"><Outlet /></main>
    </div>
  );
}
