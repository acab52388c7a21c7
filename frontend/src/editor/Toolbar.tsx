/** The editor toolbar: one button per action of the ACTIONS table that has a `toolbar` entry. */
import { useStore } from 'zustand';
import { actionTitle, TOOLBAR_ACTIONS, type ActionContext, type EditorAction } from './actions';

function ActionButton({ action, ctx }: { action: EditorAction; ctx: ActionContext }) {
  const button = action.toolbar!;
  const enabled = useStore(ctx.store, (s) => button.enabled?.(s) ?? true);
  return (
    <button
      className={button.className}
      disabled={!enabled}
      onClick={() => action.run(ctx)}
      title={actionTitle(action)}
      data-testid={button.testId}
      data-action={action.id}
    >
      {button.text}
    </button>
  );
}

export function Toolbar({ ctx }: { ctx: ActionContext }) {
  return (
    <>
      {TOOLBAR_ACTIONS.map((a) => (
        <ActionButton key={a.id} action={a} ctx={ctx} />
      ))}
    </>
  );
}
