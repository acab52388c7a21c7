/** Node components for the canvas: one generic kind-driven node, and the sticky note. */
import { Handle, NodeResizer, Position, type NodeProps } from '@xyflow/react';
import { memo, useContext, useEffect, useState, type ReactNode } from 'react';
import type { GraphEdge, NodeKind } from '../api/types';
import { ChildRunOnNode } from '../run/children';
import { estimateTokens, usageTokens } from '../run/dispatch';
import { fmtCost, fmtMs } from '../lib/ui';
import { BODY_CONTRACT, runPrefix } from './bodies';
import { BodyRow } from './BodyNav';
import { EditorContext, useEditor, useRunSelect } from './context';
import type { FlowNode } from './graph';
import { configSummary, portsFollowEdges, shownPorts } from './nodeSize';
import { portColor } from './ports';

const EMPTY: string[] = [];
const EMPTY_EDGES: GraphEdge[] = [];

/**
 * Whether text this short fits a node without clipping. An overflow clip costs every node a paint
 * chunk that the browser re-layerizes on each pan frame, so only longer text gets the ellipsis.
 */
export function fits(text: string, chars: number): boolean {
  return text.length <= chars;
}

function useElapsed(start: string | null | undefined, end: string | null | undefined, running: boolean): number | null {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!running) return;
    const t = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(t);
  }, [running]);
  if (!start) return null;
  const s = new Date(start).getTime();
  return (end ? new Date(end).getTime() : now) - s;
}

/** The run-event id of a node of the level shown (inside a body: `loop1[2].n3`). */
function useRunId(id: string): string {
  return useEditor((s) => runPrefix(s.frames)) + id;
}

function RunInfo({ id }: { id: string }) {
  const runId = useRunId(id);
  const run = useRunSelect((s) => s.nodes[runId] ?? null, null);
  const elapsed = useElapsed(run?.started_at, run?.finished_at, run?.status === 'running');
  if (!run) return null;
  // Until node.finished brings the exact usage, estimate the streamed tokens from the text.
  // A node stopped mid-stream reports no usage: its streamed text still counts.
  const exact = usageTokens(run.usage);
  const tokens = exact || estimateTokens(run.text);
  const tools = run.tool_calls?.length ?? 0;
  return (
    <>
      {run.text && (
        <div className="stream" data-testid={`node-stream-${id}`}>
          <span>{run.text.slice(-400)}</span>
        </div>
      )}
      <div className="meta">
        <span className={`st-${run.status}`} data-testid={`node-status-${id}`}>
          ● {run.status}
        </span>
        {elapsed !== null && <span>{fmtMs(elapsed)}</span>}
        {tools > 0 && <span>⚒ {tools}</span>}
        {tokens > 0 && (
          <span>
            {exact ? '' : '~'}
            {tokens} tok
          </span>
        )}
        {!!run.usage?.cost && <span>{fmtCost(run.usage.cost)}</span>}
        {run.attempt > 1 && <span>try {run.attempt}</span>}
      </div>
    </>
  );
}

interface NodeBoxProps {
  id: string;
  data: FlowNode['data'];
  /** In a run view: the node's run status (null in the editor: no run store is read there). */
  runStatus: string | null;
  children?: ReactNode;
}

/**
 * A node as the canvas draws it. The editor draws hundreds or thousands of these at once: each
 * reads only what it shows (its kind, its problems, edges only for dynamic kinds), and the run's
 * parts mount only in a run view.
 */
function NodeBox({ id, data, runStatus, children }: NodeBoxProps) {
  const store = useContext(EditorContext)!;
  const kind: NodeKind | undefined = useEditor((s) => s.kinds.get(data.kind));
  const problems = useEditor((s) => s.problems.nodes[id] ?? EMPTY);
  // Dynamic kinds may grow ports from their edges; static kinds never read edges (no re-render on edge edits).
  const dynEdges = useEditor((s) => (portsFollowEdges(kind) ? s.edges : null));
  const ports = shownPorts(id, data, kind, dynEdges ? store.getState().graph().edges : EMPTY_EDGES);
  const summary = configSummary(data.config);
  const title = data.label || kind?.title || data.kind;
  const cls = ['axnode', problems.length ? 'problem' : '', runStatus ? `run-${runStatus}` : ''].join(' ');
  return (
    <div
      className={cls}
      style={{ ['--kind' as string]: kind?.color ?? '#94a3b8' }}
      data-testid={`node-${id}`}
      data-kind={data.kind}
    >
      <div className="head">
        <span className={fits(title, 24) ? 'title' : 'title clip'} title={data.label}>
          {title}
        </span>
        <span className="kind">{kind?.title ?? data.kind}</span>
      </div>
      {summary && (
        <div className={fits(summary, 30) ? 'summary' : 'summary clip'} title={summary}>
          {summary}
        </div>
      )}
      <div className="ports">
        <div>
          {ports.inputs.map((p) => (
            <div className="port in" key={p.name} title={`${p.name}: ${p.type}${p.required ? ' (required)' : ''}`}>
              <Handle
                type="target"
                position={Position.Left}
                id={p.name}
                className="axhandle"
                style={{ background: portColor(String(p.type)) }}
                data-testid={`handle-${id}-in-${p.name}`}
              />
              {p.name}
              {p.required ? '*' : ''} <span className="ptype">{p.type}</span>
            </div>
          ))}
        </div>
        <div>
          {ports.outputs.map((p) => (
            <div className="port out" key={p.name} title={`${p.name}: ${p.type}`}>
              <span className="ptype">{p.type}</span> {p.name}
              <Handle
                type="source"
                position={Position.Right}
                id={p.name}
                className="axhandle"
                style={{ background: portColor(String(p.type)) }}
                data-testid={`handle-${id}-out-${p.name}`}
              />
            </div>
          ))}
        </div>
      </div>
      {kind && BODY_CONTRACT[kind.kind] && <BodyRow id={id} data={data} kind={kind} />}
      {children}
      {problems.length > 0 && (
        <div className="problems" data-testid={`node-problems-${id}`}>
          {problems.map((m, i) => (
            <div key={i}>⚠ {m}</div>
          ))}
        </div>
      )}
    </div>
  );
}

function AxNodeView({ id, data }: NodeProps<FlowNode>) {
  return <NodeBox id={id} data={data} runStatus={null} />;
}

/** The node in a run view: its status, streamed text, timing and (a subflow) its child run. */
function RunNodeView({ id, data }: NodeProps<FlowNode>) {
  const runId = useRunId(id);
  const runStatus = useRunSelect((s) => s.nodes[runId]?.status ?? 'queued', null);
  return (
    <NodeBox id={id} data={data} runStatus={runStatus}>
      <RunInfo id={id} />
      {runStatus && data.kind === 'subflow' && <ChildRunOnNode runNodeId={runId} />}
    </NodeBox>
  );
}

function NoteView({ id, data, selected }: NodeProps<FlowNode>) {
  const store = useContext(EditorContext)!;
  const readOnly = useEditor((s) => s.readOnly);
  return (
    <>
      <NodeResizer
        isVisible={!!selected && !readOnly}
        minWidth={120}
        minHeight={60}
        onResizeEnd={(_e, p) =>
          store
            .getState()
            .updateNode(id, { config: { ...data.config, width: Math.round(p.width), height: Math.round(p.height) } })
        }
      />
      <div className="note-node" data-testid={`node-${id}`} data-kind="note">
        {String(data.config.text ?? '') || (
          <span style={{ opacity: 0.6 }}>Empty note — edit its text in the panel.</span>
        )}
      </div>
    </>
  );
}

const Note = memo(NoteView);
export const nodeTypes = { ax: memo(AxNodeView), note: Note };
export const runNodeTypes = { ax: memo(RunNodeView), note: Note };
