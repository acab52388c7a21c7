/**
 * The editor's registered actions: shortcuts, the help dialog and the toolbar all read this
 * one table, and every action that edits the graph goes through the store's `edit`.
 */
import type { EditorStore, EditorStoreApi } from './store';

export interface ActionContext {
  store: EditorStoreApi;
  fitView(): void;
  autoLayout(): void;
  toggleHelp(): void;
  saveVersion(): void;
  validate(): void;
  exportGraph(): void;
  openRun(): void;
}

/** How an action shows in the editor toolbar: its place (left to right), text and look. */
export interface ToolbarButton {
  slot: number;
  text: string;
  testId?: string;
  className?: 'ghost' | 'primary';
  enabled?(s: EditorStore): boolean;
}

export interface EditorAction {
  id: string;
  label: string;
  keys: string[];
  edits: boolean;
  match?(e: KeyboardEvent): boolean;
  run(ctx: ActionContext): void;
  toolbar?: ToolbarButton;
}

const mod = (e: KeyboardEvent) => e.ctrlKey || e.metaKey;
const key = (e: KeyboardEvent, k: string) => e.key.toLowerCase() === k;

export const ACTIONS: EditorAction[] = [
  {
    id: 'undo',
    label: 'Undo',
    keys: ['Ctrl+Z'],
    edits: true,
    match: (e) => mod(e) && !e.shiftKey && key(e, 'z'),
    run: ({ store }) => store.getState().undo(),
    toolbar: { slot: 1, text: '↶', testId: 'undo', className: 'ghost', enabled: (s) => s.history.past.length > 0 },
  },
  {
    id: 'redo',
    label: 'Redo',
    keys: ['Ctrl+Shift+Z', 'Ctrl+Y'],
    edits: true,
    match: (e) => mod(e) && ((e.shiftKey && key(e, 'z')) || key(e, 'y')),
    run: ({ store }) => store.getState().redo(),
    toolbar: { slot: 2, text: '↷', testId: 'redo', className: 'ghost', enabled: (s) => s.history.future.length > 0 },
  },
  {
    id: 'duplicate',
    label: 'Duplicate selection',
    keys: ['Ctrl+D'],
    edits: true,
    match: (e) => mod(e) && key(e, 'd'),
    run: ({ store }) => store.getState().duplicateSelection(),
  },
  {
    id: 'selectAll',
    label: 'Select all',
    keys: ['Ctrl+A'],
    edits: false,
    match: (e) => mod(e) && key(e, 'a'),
    run: ({ store }) => store.getState().selectAll(),
  },
  {
    id: 'delete',
    label: 'Delete selection',
    keys: ['Delete', 'Backspace'],
    edits: true,
    match: (e) => !mod(e) && (e.key === 'Delete' || e.key === 'Backspace'),
    run: ({ store }) => store.getState().deleteSelection(),
  },
  {
    id: 'layout',
    label: 'Auto-layout',
    keys: ['Shift+L'],
    edits: true,
    match: (e) => e.shiftKey && !mod(e) && key(e, 'l'),
    run: (c) => c.autoLayout(),
    toolbar: { slot: 3, text: 'Auto-layout', testId: 'auto-layout' },
  },
  {
    id: 'fit',
    label: 'Fit view',
    keys: ['Shift+1'],
    edits: false,
    match: (e) => e.shiftKey && (e.key === '!' || e.code === 'Digit1'),
    run: (c) => c.fitView(),
  },
  {
    id: 'save',
    label: 'Save version',
    keys: ['Ctrl+S'],
    edits: false,
    match: (e) => mod(e) && key(e, 's'),
    run: (c) => c.saveVersion(),
    toolbar: { slot: 7, text: 'Save version', testId: 'save-version' },
  },
  {
    id: 'help',
    label: 'Keyboard shortcuts',
    keys: ['?'],
    edits: false,
    match: (e) => e.key === '?',
    run: (c) => c.toggleHelp(),
    toolbar: { slot: 6, text: '?' },
  },
  {
    id: 'validate',
    label: 'Validate',
    keys: [],
    edits: false,
    run: (c) => c.validate(),
    toolbar: { slot: 4, text: 'Validate', testId: 'validate' },
  },
  {
    id: 'export',
    label: 'Export as JSON',
    keys: [],
    edits: false,
    run: (c) => c.exportGraph(),
    toolbar: { slot: 5, text: 'Export' },
  },
  {
    id: 'run',
    label: 'Run',
    keys: [],
    edits: false,
    run: (c) => c.openRun(),
    toolbar: { slot: 8, text: '▶ Run', testId: 'run-button', className: 'primary' },
  },
];

/** The toolbar's actions, left to right. */
export const TOOLBAR_ACTIONS = ACTIONS.filter((a) => a.toolbar).sort((a, b) => a.toolbar!.slot - b.toolbar!.slot);

/** The action a key press runs, if any. */
export function actionForKey(e: KeyboardEvent): EditorAction | undefined {
  return ACTIONS.find((a) => a.match?.(e));
}

/** Hover text of an action's button: its label and first shortcut. */
export function actionTitle(a: EditorAction): string | undefined {
  return a.keys.length ? `${a.label} (${a.keys[0]})` : undefined;
}

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
