/** Where the canvas is inside bodies: the breadcrumb back, the body's contract, the iteration shown. */
import { useStore } from 'zustand';
import type { NodeKind } from '../api/types';
import { iterationsOf } from '../run/iterations';
import { asGraph, BODY_CONTRACT, runPrefix, type Frame } from './bodies';
import { useEditor, useEditorApi, useRunSelect } from './context';
import type { NodeData } from './graph';

function containerKind(frame: Frame): string {
  return frame.nodes.find((n) => n.id === frame.node)?.data.kind ?? '';
}

/** The iteration picker of one breadcrumb step, in a run view. */
function IterationPick({ frames, depth }: { frames: Frame[]; depth: number }) {
  const store = useEditorApi();
  const frame = frames[depth];
  const container = runPrefix(frames.slice(0, depth)) + frame.node;
  // A string, so the selection keeps its identity between run events that change nothing here.
  const seen = useRunSelect(
    (s) => JSON.stringify(iterationsOf(s.nodes, container).map((i) => ({ index: i.index, status: i.status }))),
    '[]',
  );
  const its = JSON.parse(seen) as { index: number; status: string }[];
  const unit = BODY_CONTRACT[containerKind(frame)]?.unit ?? 'iteration';
  const options = its.length ? its : [{ index: frame.iteration ?? 0, status: 'not started' }];
  return (
    <select
      aria-label={`${unit} of ${frame.label}`}
      value={frame.iteration ?? 0}
      data-testid={`iteration-pick-${depth}`}
      onChange={(e) => store.getState().showIteration(depth, Number(e.target.value))}
    >
      {options.map((i) => (
        <option key={i.index} value={i.index}>
          {unit} {i.index} · {i.status}
        </option>
      ))}
    </select>
  );
}

/** The breadcrumb over the canvas while a body is open. */
export function BodyNav({ runView }: { runView: boolean }) {
  const store = useEditorApi();
  const frames = useEditor((s) => s.frames);
  if (!frames.length) return null;
  const last = frames[frames.length - 1];
  const contract = BODY_CONTRACT[containerKind(last)];
  return (
    <nav className="body-nav" aria-label="Body breadcrumb" data-testid="body-nav">
      <button className="small ghost" onClick={() => store.getState().closeBodies(0)} data-testid="body-nav-root">
        ← Workflow
      </button>
      {frames.map((f, i) => (
        <span key={`${f.node}-${i}`} className="body-step">
          <span className="hint">›</span>
          {i < frames.length - 1 ? (
            <button className="small ghost" onClick={() => store.getState().closeBodies(i + 1)}>
              {f.label}
            </button>
          ) : (
            <b data-testid="body-nav-current">{f.label}</b>
          )}
          {runView && <IterationPick frames={frames} depth={i} />}
        </span>
      ))}
      {contract && !runView && (
        <span className="hint body-contract">
          body gets {contract.inputs.map((n) => `“${n}”`).join(' and ')} · returns output “{contract.output}”
        </span>
      )}
    </nav>
  );
}

/** A loop's or map's body on its node: its size, and the way in. */
export function BodyRow({ id, data, kind }: { id: string; data: NodeData; kind: NodeKind | undefined }) {
  const store = useEditorApi();
  const runView = useStore(store, (s) => s.readOnly);
  const container = useEditor((s) => runPrefix(s.frames)) + id;
  const count = useRunSelect((s) => iterationsOf(s.nodes, container).length, 0);
  if (!kind || !BODY_CONTRACT[kind.kind]) return null;
  const size = asGraph(data.config.body).nodes.length;
  const unit = BODY_CONTRACT[kind.kind].unit;
  return (
    <div className="body-row">
      <span>
        body · {size} node{size === 1 ? '' : 's'}
        {runView && count > 0 ? ` · ${count} ${unit}${count === 1 ? '' : 's'}` : ''}
      </span>
      <button
        className="small nodrag"
        data-testid={`open-body-${id}`}
        title="Open the body (or double-click the node)"
        onClick={(e) => {
          e.stopPropagation();
          store.getState().openBody(id, 'body', runView ? 0 : undefined);
        }}
      >
        Open ▸
      </button>
    </div>
  );
}
