/** "+ New agent" beside a node's agent picker: create one without leaving the canvas. */
import { useState } from 'react';
import { createPortal } from 'react-dom';
import { invalidate } from '../lib/catalog';
import { ItemForm } from '../pages/Library';
import { RESOURCES } from '../pages/resources';

export function NewAgentButton({ onCreated }: { onCreated: (name: string) => void }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="small" onClick={() => setOpen(true)} data-testid="new-agent-from-node">
        + New agent
      </button>
      {/* A portal: the dialog must not sit inside the field's <label> (clicks would go to the select). */}
      {open &&
        createPortal(
          <ItemForm
            def={RESOURCES.agents}
            item={null}
            onClose={() => setOpen(false)}
            onSaved={(saved) => {
              setOpen(false);
              invalidate('agents');
              onCreated(String(saved.name));
            }}
          />,
          document.body,
        )}
    </>
  );
}
