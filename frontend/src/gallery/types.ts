/** Shapes of the templates API and the import API (docs/api.md "Templates", "Workflows"). */
import type { Graph, Workflow } from '../api/types';

export interface Template {
  slug: string;
  name: string;
  category: string;
  description: string;
  tags: string[];
  agents: string[];
  tools: string[];
  knowledge: string | null;
  inputs: Record<string, unknown>;
  graph: Graph;
}

export interface TemplateList {
  count: number;
  categories: string[];
  results: Template[];
}

export interface TemplateUse {
  workflow: Workflow;
  created: string[];
  reused: string[];
}

export interface ReportEntry {
  source: string;
  kind: string;
  why: string;
}

export interface ImportAgent {
  name: string;
  system_prompt: string;
  model: string;
  builtin_tools: string[];
}

export interface ImportPreview {
  name: string;
  description: string;
  format: string;
  graph: Graph;
  agents: ImportAgent[];
  report: { mapped: ReportEntry[]; approximated: ReportEntry[]; dropped: ReportEntry[]; warnings: string[] };
  problems: { message: string }[];
}
