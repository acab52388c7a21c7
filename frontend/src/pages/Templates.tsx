import { useCallback, useEffect, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { api, messageOf, qs } from '../api/client';
import { ErrorBanner, ListSkeleton, useLoad } from '../components/common';
import { GraphPicture } from '../gallery/GraphPicture';
import type { Template, TemplateList, TemplateUse } from '../gallery/types';
import '../gallery/gallery.css';
import type { Model } from '../api/types';
import { catalog, invalidate } from '../lib/catalog';
import { toast } from '../lib/ui';

function useTemplates(search: string, category: string) {
  const [list, setList] = useState<TemplateList | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(async () => {
    try {
      setList(await api.get<TemplateList>(`/api/templates/${qs({ search, category })}`));
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [search, category]);
  useLoad(load);
  return { list, error };
}

function TemplateCard({ t, onUse, busy }: { t: Template; onUse: () => void; busy: boolean }) {
  const brings = [...t.agents.map((a) => `agent ${a}`), ...t.tools.map((n) => `tool ${n}`)];
  if (t.knowledge) brings.push(`collection ${t.knowledge}`);
  return (
    <article className="card template-card" data-testid={`template-${t.slug}`}>
      <GraphPicture graph={t.graph} title={`Graph of ${t.name}`} />
      <h2>{t.name}</h2>
      <p>{t.description}</p>
      {brings.length > 0 && <div className="hint">Brings: {brings.join(', ')}</div>}
      <div className="toolbar">
        <span className="badge">{t.category}</span>
        <button className="primary" onClick={onUse} disabled={busy} data-testid={`use-${t.slug}`}>
          {busy ? 'Copying…' : 'Use template'}
        </button>
      </div>
    </article>
  );
}

const BUILTIN = 'builtin:smollm2-135m';

/** The model new agents and LLM nodes of a template get (the builtin one unless chosen). */
function ModelPicker({ value, onChange }: { value: string; onChange: (ref: string) => void }) {
  const [models, setModels] = useState<Model[]>([]);
  useEffect(() => {
    catalog
      .models()
      .then(setModels)
      .catch(() => setModels([]));
  }, []);
  const refs = Array.from(new Set([BUILTIN, ...models.map((m) => m.ref)]));
  return (
    <label className="hint">
      Model{' '}
      <select value={value} onChange={(e) => onChange(e.target.value)} data-testid="template-model">
        {refs.map((ref) => (
          <option key={ref} value={ref}>
            {ref}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The templates gallery: search, categories, a picture of each graph, "Use template". */
export function TemplatesPage() {
  const [search, setSearch] = useState('');
  const [category, setCategory] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [model, setModel] = useState(BUILTIN);
  const { list, error } = useTemplates(search, category);
  const navigate = useNavigate();

  async function use(t: Template) {
    setBusy(t.slug);
    try {
      const result = await api.post<TemplateUse>(`/api/templates/${t.slug}/use/`, { model });
      invalidate();
      const made = result.created.length ? ` Created ${result.created.join(', ')}.` : '';
      toast(`“${result.workflow.name}” is ready.${made}`, 'ok');
      navigate(`/workflows/${result.workflow.id}`);
    } catch (e) {
      toast(messageOf(e), 'error');
      setBusy(null);
    }
  }

  return (
    <div className="page">
      <div className="page-head">
        <h1>Templates</h1>
        <div className="spacer" />
        <ModelPicker value={model} onChange={setModel} />
        <input
          placeholder="Search templates…"
          aria-label="Search templates"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          style={{ width: 260 }}
          data-testid="template-search"
        />
      </div>
      <div className="gallery-filters" role="group" aria-label="Categories">
        {['', ...(list?.categories ?? [])].map((c) => (
          <button key={c || 'all'} className="chip" aria-pressed={category === c} onClick={() => setCategory(c)}>
            {c || 'All'}
          </button>
        ))}
      </div>
      <ErrorBanner error={error} />
      {!list && !error && <ListSkeleton />}
      {list && list.results.length === 0 && <div className="card empty">No template matches “{search}”.</div>}
      <div className="gallery-grid" data-testid="template-grid">
        {list?.results.map((t) => (
          <TemplateCard key={t.slug} t={t} busy={busy === t.slug} onUse={() => void use(t)} />
        ))}
      </div>
    </div>
  );
}
