/** App-wide small stores: auth, toasts, theme. */
import { create } from 'zustand';
import { api, ensureCsrf } from '../api/client';
import type { User } from '../api/types';

interface AuthState {
  user: User | null;
  checked: boolean;
  refresh(): Promise<void>;
  login(username: string, password: string): Promise<void>;
  logout(): Promise<void>;
  clear(): void;
}

export const useAuth = create<AuthState>()((set) => ({
  user: null,
  checked: false,
  refresh: async () => {
    try {
      set({ user: await api.get<User>('/api/auth/me/'), checked: true });
    } catch {
      set({ user: null, checked: true });
    }
  },
  login: async (username, password) => {
    await ensureCsrf();
    const user = await api.post<User>('/api/auth/login/', { username, password });
    set({ user, checked: true });
  },
  logout: async () => {
    try {
      await api.post('/api/auth/logout/');
    } finally {
      set({ user: null });
    }
  },
  clear: () => set({ user: null, checked: true }),
}));

export interface Toast {
  id: number;
  text: string;
  kind: 'info' | 'error' | 'ok';
}

interface ToastState {
  toasts: Toast[];
  push(text: string, kind?: Toast['kind']): void;
  dismiss(id: number): void;
}

let toastId = 0;
export const useToasts = create<ToastState>()((set, get) => ({
  toasts: [],
  push: (text, kind = 'info') => {
    const id = ++toastId;
    set((s) => ({ toasts: [...s.toasts.slice(-4), { id, text, kind }] }));
    setTimeout(() => get().dismiss(id), kind === 'error' ? 6000 : 3500);
  },
  dismiss: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
}));

export const toast = (text: string, kind: Toast['kind'] = 'info') => useToasts.getState().push(text, kind);

type Theme = 'light' | 'dark';
function initialTheme(): Theme {
  const saved = localStorage.getItem('axweb-theme');
  if (saved === 'light' || saved === 'dark') return saved;
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

interface ThemeState {
  theme: Theme;
  toggle(): void;
}

export const useTheme = create<ThemeState>()((set, get) => {
  const theme = initialTheme();
  document.documentElement.dataset.theme = theme;
  return {
    theme,
    toggle: () => {
      const next: Theme = get().theme === 'dark' ? 'light' : 'dark';
      document.documentElement.dataset.theme = next;
      localStorage.setItem('axweb-theme', next);
      set({ theme: next });
    },
  };
});

export function fmtTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return isNaN(d.getTime()) ? iso : d.toLocaleString();
}

export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || isNaN(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 59950) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m ${s % 60}s`;
}

export function fmtCost(c: number | null | undefined): string {
  return `$${(c ?? 0).toFixed(4)}`;
}

export function download(filename: string, data: unknown): void {
  const blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
