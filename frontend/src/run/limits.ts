/** The run limits a person can set when starting a run (workflows/runs/services.py BUDGET_FIELDS). */
import type { BudgetName } from '../api/types';

export const LIMITS: { name: BudgetName; label: string; hint: string; step: string; placeholder?: string }[] = [
  { name: 'max_tokens', label: 'Tokens', hint: 'input + output, all nodes', step: '1' },
  { name: 'max_cost', label: 'Cost ($)', hint: 'from the models registry prices', step: 'any' },
  { name: 'max_steps', label: 'Node steps', hint: 'executions, retries and loop bodies included', step: '1' },
  { name: 'max_wall_s', label: 'Wall time (s)', hint: 'from the start of the run', step: 'any' },
  {
    name: 'max_repeated_tool_calls',
    label: 'Same tool call',
    hint: 'times one tool may be called with the same arguments',
    step: '1',
    placeholder: '3',
  },
];
