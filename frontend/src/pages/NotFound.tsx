import { Link, useLocation } from 'react-router-dom';

/** Any address the app does not know (the server answers 404 with this page too). */
export function NotFoundPage() {
  const { pathname } = useLocation();
  return (
    <div className="page">
      <div className="card empty" data-testid="not-found">
        <h1>Page not found</h1>
        <p>
          There is nothing at <code>{pathname}</code>.
        </p>
        <p>
          <Link to="/">Go to your workflows</Link> or <Link to="/templates">start from a template</Link>.
        </p>
      </div>
    </div>
  );
}
