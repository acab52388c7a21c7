/** Words for the values of select fields (the stored value stays the raw one). */
import { humanize } from './schemaForm';

const LABELS: Record<string, string> = {
  'mode.rule': 'Rules (an expression per route)',
  'mode.llm': 'LLM classifier (a model picks the route)',
  'mode.adaptive': 'Adaptive (the agent that did best so far)',
  'policy.all': 'All taken branches must succeed',
  'policy.any': 'At least one branch must succeed',
  'policy.quorum': 'A quorum of k branches must succeed',
  'policy.replace': 'Replace the value',
  'policy.append': 'Append to a list',
  'policy.merge': 'Merge into an object',
  'on_expire.reject': 'Take the rejected path',
  'on_expire.fail': 'Fail the node',
  'source.memory': 'Run memory',
  'source.messages': 'Agent messages',
  'output.text': 'Text',
  'output.json': 'JSON',
  json: 'JSON',
  llm: 'LLM',
};

export function optionLabel(field: string, value: unknown): string {
  const v = String(value);
  return LABELS[`${field}.${v}`] ?? LABELS[v] ?? humanize(v);
}
