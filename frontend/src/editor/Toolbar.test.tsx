import { act, cleanup, fireEvent, render } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ACTIONS, type ActionContext } from './actions';
import { createEditorStore } from './store';
import { Toolbar } from './Toolbar';

function context(): ActionContext {
  return {
    store: createEditorStore(),
    fitView: vi.fn(),
    autoLayout: vi.fn(),
    toggleHelp: vi.fn(),
    saveVersion: vi.fn(),
    validate: vi.fn(),
    exportGraph: vi.fn(),
    openRun: vi.fn(),
  };
}

afterEach(cleanup);

describe('editor toolbar', () => {
  it('shows every button from the ACTIONS table and nothing else', () => {
    const { container } = render(<Toolbar ctx={context()} />);
    const buttons = [...container.querySelectorAll('button')];
    const ids = ACTIONS.map((a) => a.id);
    expect(buttons.length).toBeGreaterThan(0);
    for (const b of buttons) expect(ids).toContain(b.dataset.action);
    expect(new Set(buttons.map((b) => b.dataset.action))).toEqual(
      new Set(ACTIONS.filter((a) => a.toolbar).map((a) => a.id)),
    );
  });

  it('runs the same action as the shortcut when a button is clicked', () => {
    const ctx = context();
    const { getByTestId } = render(<Toolbar ctx={ctx} />);
    fireEvent.click(getByTestId('auto-layout'));
    fireEvent.click(getByTestId('validate'));
    fireEvent.click(getByTestId('save-version'));
    fireEvent.click(getByTestId('run-button'));
    expect(ctx.autoLayout).toHaveBeenCalledOnce();
    expect(ctx.validate).toHaveBeenCalledOnce();
    expect(ctx.saveVersion).toHaveBeenCalledOnce();
    expect(ctx.openRun).toHaveBeenCalledOnce();
  });

  it('enables undo once there is an edit to undo', () => {
    const ctx = context();
    const { getByTestId } = render(<Toolbar ctx={ctx} />);
    expect((getByTestId('undo') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(getByTestId('undo'));
    act(() => void ctx.store.getState().addNode('input', { x: 0, y: 0 }));
    expect((getByTestId('undo') as HTMLButtonElement).disabled).toBe(false);
    expect((getByTestId('redo') as HTMLButtonElement).disabled).toBe(true);
  });
});
