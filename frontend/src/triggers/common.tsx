/** Pieces both new-trigger dialogs share: name, version pin, input mapping, create. */
import { useState } from 'react';
import { ApiError, api } from '../api/client';
import { Field } from '../components/common';
import { parseMapping, type CreatedTrigger } from './model';

export type OnCreated = (t: CreatedTrigger) => void;

/** Fields both kinds share: name, version pin, input mapping. */
export function useCommon() {
  const [name, setName] = useState('');
  const [version, setVersion] = useState('');
  const [mapping, setMapping] = useState('');
  const [error, setError] = useState<unknown>(null);
  const parsed = parseMapping(mapping);
  const body = () => ({
    name,
    version: version.trim() === '' || version.trim() === 'latest' ? null : Number(version),
    input_mapping: parsed.mapping,
  });
  return { name, setName, version, setVersion, mapping, setMapping, parsed, body, error, setError };
}

export type Common = ReturnType<typeof useCommon>;

export function fieldError(error: unknown, name: string): string | undefined {
  return error instanceof ApiError ? error.fieldError(name) : undefined;
}

export function CommonFields({ c, example }: { c: Common; example: string }) {
  return (
    <>
      <div className="trigger-grid">
        <Field label="Name">
          <input value={c.name} onChange={(e) => c.setName(e.target.value)} data-testid="trigger-name" />
        </Field>
        <Field label="Version" hint="“latest”, or a number to pin one" error={fieldError(c.error, 'version')}>
          <input value={c.version} placeholder="latest" onChange={(e) => c.setVersion(e.target.value)} />
        </Field>
      </div>
      <Field label="Input mapping" hint={example} error={c.parsed.error ?? fieldError(c.error, 'input_mapping')}>
        <textarea
          className="mono mapping-input"
          rows={3}
          value={c.mapping}
          placeholder="question = body.text"
          onChange={(e) => c.setMapping(e.target.value)}
          data-testid="trigger-mapping"
        />
      </Field>
    </>
  );
}

export async function create(c: Common, extra: Record<string, unknown>, onCreated: OnCreated) {
  if (c.parsed.error) return;
  try {
    onCreated(await api.post<CreatedTrigger>('/api/triggers/', { ...c.body(), ...extra }));
  } catch (e) {
    c.setError(e);
  }
}

export function Footer({ onClose, onCreate, label }: { onClose: () => void; onCreate: () => void; label: string }) {
  return (
    <>
      <button onClick={onClose}>Cancel</button>
      <button className="primary" onClick={onCreate} data-testid="trigger-create">
        {label}
      </button>
    </>
  );
}
