/**
 * The editor's registered actions: shortcuts, the help dialog and the toolbar all read this
 * one table, and every action that edits the graph goes through the store's `edit`.
 */
import type { EditorStoreApi } from './store';

export interface ActionContext {
  store: EditorStoreApi;
  fitView(): void;
  autoLayout(): void;
  toggleHelp(): void;
  saveVersion(): void;
}

export interface EditorAction {
  id: string;
  label: string;
  keys: string[];
  edits: boolean;
  match(e: KeyboardEvent): boolean;
  run(ctx: ActionContext): void;
}

const mod = (e: KeyboardEvent) => e.ctrlKey || e.metaKey;
const key = (e: KeyboardEvent, k: string) => e.key.toLowerCase() === k;

export const ACTIONS: EditorAction[] = [
  { id: 'undo', label: 'Undo', keys: ['Ctrl+Z'], edits: true, match: (e) => mod(e) && !e.shiftKey && key(e, 'z'), run: ({ store }) => store.getState().undo() },
  { id: 'redo', label: 'Redo', keys: ['Ctrl+Shift+Z', 'Ctrl+Y'], edits: true, match: (e) => mod(e) && ((e.shiftKey && key(e, 'z')) || key(e, 'y')), run: ({ store }) => store.getState().redo() },
  { id: 'duplicate', label: 'Duplicate selection', keys: ['Ctrl+D'], edits: true, match: (e) => mod(e) && key(e, 'd'), run: ({ store }) => store.getState().duplicateSelection() },
  { id: 'selectAll', label: 'Select all', keys: ['Ctrl+A'], edits: false, match: (e) => mod(e) && key(e, 'a'), run: ({ store }) => store.getState().selectAll() },
  { id: 'delete', label: 'Delete selection', keys: ['Delete', 'Backspace'], edits: true, match: (e) => !mod(e) && (e.key === 'Delete' || e.key === 'Backspace'), run: ({ store }) => store.getState().deleteSelection() },
  { id: 'layout', label: 'Auto-layout', keys: ['Shift+L'], edits: true, match: (e) => e.shiftKey && !mod(e) && key(e, 'l'), run: (c) => c.autoLayout() },
  { id: 'fit', label: 'Fit view', keys: ['Shift+1'], edits: false, match: (e) => e.shiftKey && (e.key === '!' || e.code === 'Digit1'), run: (c) => c.fitView() },
  { id: 'save', label: 'Save version', keys: ['Ctrl+S'], edits: false, match: (e) => mod(e) && key(e, 's'), run: (c) => c.saveVersion() },
  { id: 'help', label: 'Keyboard shortcuts', keys: ['?'], edits: false, match: (e) => e.key === '?', run: (c) => c.toggleHelp() },
];

/** Shortcuts handled by the browser clipboard events rather than keydown. */
export const CLIPBOARD_HELP = [
  { label: 'Copy selection (works across workflows)', keys: ['Ctrl+C'] },
  { label: 'Cut selection', keys: ['Ctrl+X'] },
  { label: 'Paste', keys: ['Ctrl+V'] },
  { label: 'Box select', keys: ['Shift+drag'] },
  { label: 'Add to selection', keys: ['Ctrl+click'] },
];

export function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName);
}
