import { NavLink, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { Icon } from './icons';
import { useAuth, useTheme } from '../lib/ui';

const NAV = [
  ['/', 'Workflows'],
  ['/templates', 'Templates'],
  ['/runs', 'Runs'],
  ['/agents', 'Agents'],
  ['/tools', 'Tools'],
  ['/models', 'Models'],
  ['/knowledge', 'Knowledge'],
  ['/credentials', 'Credentials'],
  ['/settings', 'Settings'],
] as const;

export function Shell() {
  const user = useAuth((s) => s.user);
  const logout = useAuth((s) => s.logout);
  const { theme, toggle } = useTheme();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  // Canvas pages get an icon-only nav so the canvas keeps its width at 1280 px.
  const compact = /^\/(workflows|runs)\/./.test(pathname);
  return (
    <div className={`shell${compact ? ' compact' : ''}`}>
      <header className="topbar">
        <div className="brand">
          <span className="logo" />
          AXWeb
        </div>
        <div className="spacer" />
        <button className="ghost" onClick={toggle} title="Toggle light/dark" data-testid="theme-toggle">
          {theme === 'dark' ? '☀ Light' : '☾ Dark'}
        </button>
        <span className="hint" data-testid="current-user">
          {user?.username}
        </span>
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
        {NAV.map(([to, label]) => (
          <NavLink
            key={to}
            to={to}
            end={to === '/'}
            data-testid={`nav-${label.toLowerCase()}`}
            title={label}
            className={({ isActive }) =>
              isActive || (to === '/' && pathname.startsWith('/workflows')) ? 'active' : ''
            }
          >
            <Icon name={label.toLowerCase()} />
            <span className="nav-label">{label}</span>
          </NavLink>
        ))}
      </nav>
      <main className="main">
        <Outlet />
      </main>
    </div>
  );
}
