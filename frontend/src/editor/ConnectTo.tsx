/** "Connect to…": wire the selected node's output to another node's input without a mouse. */
import { useState } from 'react';
import { useStore } from 'zustand';
import { useEditorApi } from './context';
import { toGraphEdge, toGraphNode } from './graph';
import { nodePorts } from './ports';

const SEP = '\u0000';

function useTargets(id: string) {
  return useStore(useEditorApi(), (s) => {
    const edges = s.edges.map(toGraphEdge);
    const self = s.nodes.find((n) => n.id === id);
    if (!self) return null;
    const node = toGraphNode(self);
    const outputs = nodePorts(node, s.kinds.get(node.kind), edges).outputs.map((p) => `${p.name}${SEP}${p.type}`);
    const inputs = s.nodes
      .filter((n) => n.id !== id && n.data.kind !== 'note')
      .flatMap((n) => {
        const g = toGraphNode(n);
        const label = g.label || s.kinds.get(g.kind)?.title || g.kind;
        return nodePorts(g, s.kinds.get(g.kind), edges).inputs.map(
          (p) => `${g.id}${SEP}${p.name}${SEP}${label}${SEP}${p.type}`,
        );
      });
    return JSON.stringify([outputs, inputs]);
  });
}

export function ConnectTo({ id }: { id: string }) {
  const store = useEditorApi();
  const packed = useTargets(id);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  if (!packed) return null;
  const [outputs, inputs] = JSON.parse(packed) as [string[], string[]];
  if (!outputs.length || !inputs.length) return null;
  const source = from || outputs[0];
  const connect = () => {
    const [sourceHandle] = source.split(SEP);
    const [target, targetHandle, label] = (to || inputs[0]).split(SEP);
    const check = store.getState().connect({ source: id, sourceHandle, target, targetHandle });
    setMessage(
      check.ok
        ? { ok: true, text: `Connected to ${label} · ${targetHandle}.` }
        : { ok: false, text: check.reason ?? 'refused' },
    );
  };
  return (
    <div className="connect-to" data-testid="connect-to">
      <h3>Connect</h3>
      <div className="connect-row">
        {outputs.length > 1 && (
          <select
            aria-label="From output"
            value={source}
            onChange={(e) => setFrom(e.target.value)}
            data-testid="connect-from"
          >
            {outputs.map((o) => {
              const [name, type] = o.split(SEP);
              return (
                <option key={o} value={o}>
                  {name} ({type})
                </option>
              );
            })}
          </select>
        )}
        <select
          aria-label="Connect to input"
          value={to || inputs[0]}
          onChange={(e) => setTo(e.target.value)}
          data-testid="connect-target"
        >
          {inputs.map((i) => {
            const [, port, label, type] = i.split(SEP);
            return (
              <option key={i} value={i}>
                {label} · {port} ({type})
              </option>
            );
          })}
        </select>
        <button type="button" onClick={connect} data-testid="connect-submit">
          Connect
        </button>
      </div>
      {message && (
        <div className={message.ok ? 'hint' : 'field-error'} role="status" data-testid="connect-message">
          {message.text}
        </div>
      )}
    </div>
  );
}
