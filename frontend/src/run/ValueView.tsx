/** Run inputs and outputs as a person reads them: text as text, named values under their names. */

const json = (v: unknown) => JSON.stringify(v, null, 2);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function ValueView({ value, testId, depth = 0 }: { value: unknown; testId?: string; depth?: number }) {
  if (typeof value === 'string') {
    return (
      <pre className="stream-panel" data-testid={testId}>
        {value}
      </pre>
    );
  }
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string')) {
    return (
      <div className="value-list" data-testid={testId}>
        {value.map((v, i) => (
          <pre className="stream-panel" key={i}>
            {v}
          </pre>
        ))}
      </div>
    );
  }
  if (isRecord(value) && depth === 0 && Object.keys(value).length > 0) {
    return (
      <div className="value-list" data-testid={testId}>
        {Object.entries(value).map(([k, v]) => (
          <div key={k}>
            <div className="value-key mono">{k}</div>
            <ValueView value={v} depth={1} />
          </div>
        ))}
      </div>
    );
  }
  return (
    <pre className="stream-panel" data-testid={testId}>
      {json(value)}
    </pre>
  );
}
