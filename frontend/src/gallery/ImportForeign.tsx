import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { ApiError, api, messageOf } from '../api/client';
import type { Workflow } from '../api/types';
import { Field, Modal } from '../components/common';
import { invalidate } from '../lib/catalog';
import { toast } from '../lib/ui';
import { GraphPicture } from './GraphPicture';
import type { ImportPreview, ReportEntry } from './types';
import './gallery.css';

const FORMATS: Record<string, string> = {
  langflow: 'Langflow flow',
  'flowise-agentflow-v2': 'Flowise Agentflow v2',
  'flowise-chatflow': 'Flowise chatflow',
};

/** Preview a Langflow or Flowise file: the graph, what was mapped, approximated or dropped. */
export async function importPreview(document: unknown): Promise<ImportPreview> {
  return api.post<ImportPreview>('/api/workflows/import/preview/', { document });
}

function Entries({ title, items, testid }: { title: string; items: ReportEntry[]; testid: string }) {
  if (!items.length) return null;
  return (
    <section data-testid={testid}>
      <h3>
        {title} ({items.length})
      </h3>
      <ul>
        {items.map((e, i) => (
          <li key={i}>
            <b>{e.source}</b> → {e.kind}: {e.why}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Report({ preview }: { preview: ImportPreview }) {
  const { report, problems } = preview;
  return (
    <div className="import-report" data-testid="import-report">
      <div className="import-counts">
        <span className="badge">{FORMATS[preview.format] ?? preview.format}</span>
        <span className="badge">{report.mapped.length} mapped</span>
        <span className="badge">{report.approximated.length} approximated</span>
        <span className="badge">{report.dropped.length} kept as notes</span>
      </div>
      {problems.length > 0 && <div className="err-banner">{problems.map((p) => p.message).join(' ')}</div>}
      <Entries title="Mapped" items={report.mapped} testid="report-mapped" />
      <Entries title="Approximated" items={report.approximated} testid="report-approximated" />
      <Entries title="Kept as notes (not run)" items={report.dropped} testid="report-dropped" />
      {report.warnings.length > 0 && (
        <section data-testid="report-warnings">
          <h3>Warnings ({report.warnings.length})</h3>
          <ul>
            {report.warnings.map((w, i) => (
              <li key={i}>{w}</li>
            ))}
          </ul>
        </section>
      )}
      {preview.agents.length > 0 && (
        <p className="hint">
          Saving also creates the agents {preview.agents.map((a) => `“${a.name}”`).join(', ')} unless you have them.
        </p>
      )}
    </div>
  );
}

/** The import report dialog: read it, name the workflow, save, and open the editor. */
export function ImportForeignDialog({ preview, onClose }: { preview: ImportPreview; onClose: () => void }) {
  const [name, setName] = useState(preview.name);
  const [error, setError] = useState<ApiError | null>(null);
  const navigate = useNavigate();
  async function save() {
    try {
      const wf = await api.post<Workflow>('/api/workflows/import/save/', {
        name,
        description: preview.description,
        graph: preview.graph,
        agents: preview.agents,
      });
      invalidate();
      toast(`Imported “${wf.name}”`, 'ok');
      navigate(`/workflows/${wf.id}`);
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'error', messageOf(e)));
    }
  }
  return (
    <Modal
      title="Import report"
      wide
      onClose={onClose}
      footer={
        <>
          <button onClick={onClose}>Cancel</button>
          <button className="primary" onClick={() => void save()} data-testid="import-save">
            Save and open
          </button>
        </>
      }
    >
      {error && <div className="err-banner">{error.message}</div>}
      <Field label="Name" error={error?.fieldError('name')}>
        <input value={name} onChange={(e) => setName(e.target.value)} data-testid="import-name" />
      </Field>
      <GraphPicture graph={preview.graph} title={`Graph of ${name}`} height={160} />
      <Report preview={preview} />
    </Modal>
  );
}
