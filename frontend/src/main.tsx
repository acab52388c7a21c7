import { StrictMode, useEffect, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, Navigate, Route, Routes, useLocation, useNavigate } from 'react-router-dom';
import '@xyflow/react/dist/style.css';
import './styles.css';
import { onUnauthorized } from './api/client';
import { Shell } from './components/Shell';
import { Toasts } from './components/common';
import { useAuth, useTheme } from './lib/ui';
import { ChatPage } from './pages/Chat';
import { EditorPage } from './pages/Editor';
import { prefetchEditor } from './editor/useEditorPage';
import { LibraryPage } from './pages/Library';
import { LoginPage } from './pages/Login';
import { NotFoundPage } from './pages/NotFound';
import { RunDetailPage } from './pages/RunDetail';
import { RunsPage } from './pages/Runs';
import { SettingsPage } from './pages/Settings';
import { TemplatesPage } from './pages/Templates';
import { WorkflowsPage } from './pages/Workflows';

function RequireAuth({ children }: { children: ReactNode }) {
  const { user, checked, refresh } = useAuth();
  const loc = useLocation();
  const navigate = useNavigate();
  useEffect(() => {
    if (!checked) void refresh();
  }, [checked, refresh]);
  useEffect(() => {
    onUnauthorized(() => {
      useAuth.getState().clear();
      navigate(`/login?next=${encodeURIComponent(location.pathname)}`);
    });
    return () => onUnauthorized(null);
  }, [navigate]);
  if (!checked) return <div className="empty">Loading…</div>;
  if (!user) return <Navigate to={`/login?next=${encodeURIComponent(loc.pathname)}`} replace />;
  return <>{children}</>;
}

function App() {
  useTheme();
  return (
    <BrowserRouter>
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route
          element={
            <RequireAuth>
              <Shell />
            </RequireAuth>
          }
        >
          <Route path="/" element={<WorkflowsPage />} />
          <Route path="/workflows" element={<WorkflowsPage />} />
          <Route path="/workflows/:id" element={<EditorPage />} />
          <Route path="/workflows/:id/chat/:session?" element={<ChatPage />} />
          <Route path="/runs" element={<RunsPage />} />
          <Route path="/runs/:id" element={<RunDetailPage />} />
          <Route path="/agents" element={<LibraryPage key="agents" resource="agents" />} />
          <Route path="/tools" element={<LibraryPage key="tools" resource="tools" />} />
          <Route path="/models" element={<LibraryPage key="models" resource="models" />} />
          <Route path="/knowledge" element={<LibraryPage key="knowledge" resource="knowledge" />} />
          <Route path="/credentials" element={<LibraryPage key="credentials" resource="credentials" />} />
          <Route path="/settings" element={<SettingsPage />} />
          <Route path="/templates" element={<TemplatesPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
      <Toasts />
    </BrowserRouter>
  );
}

prefetchEditor(location.pathname);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
