import { useEffect, useRef } from 'react';
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

/** After a navigation, focus moves to the main content (not left on the rail), skipping the first load. */
function useFocusMainOnNavigate(pathname: string) {
  const main = useRef<HTMLElement>(null);
  const last = useRef(pathname);
  useEffect(() => {
    if (last.current === pathname) return;
    last.current = pathname;
    main.current?.focus({ preventScroll: true });
  }, [pathname]);
  return main;
}

export function Shell() {
  const user = useAuth((s) => s.user);
  const logout = useAuth((s) => s.logout);
  const { theme, toggle } = useTheme();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  // Canvas pages get an icon-only nav so the canvas keeps its width at 1280 px.
  const compact = /^\/(workflows|runs)\/./.test(pathname);
  const main = useFocusMainOnNavigate(pathname);
  return (
    <div className={`shell${compact ? ' compact' : ''}`}>
      <a className="skip-link" href="#main" data-testid="skip-link">
        Skip to main content
      </a>
      <header className="topbar">
        <div className="brand">
          <span className="logo" />
          AXWeb
        </div>
        <div className="spacer" />
        <button className="ghost" onClick={toggle} title="Toggle light/dark" data-testid="theme-toggle">
          {theme === 'dark' ? '☀ Light' : '☾ Dark'}
        </button>
        {user?.is_staff && (
          <a className="btn ghost" href="/admin/lab/" data-testid="lab-link">
            Lab
          </a>
        )}
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
      <nav className="sidenav" aria-label="Main">
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
            aria-label={label}
          >
            <Icon name={label.toLowerCase()} />
            <span className="nav-label">{label}</span>
          </NavLink>
        ))}
      </nav>
      <main className="main" id="main" ref={main} tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
