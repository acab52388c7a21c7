import { useState, type ReactNode } from 'react';
import { ErrorBanner, Field, Modal } from '../components/common';
import { toast } from '../lib/ui';
import { CommonFields, Footer, create, fieldError, useCommon, type OnCreated } from './common';
import { curlExample, type CreatedTrigger } from './model';

export function NewWebhookDialog({
  workflowId,
  onClose,
  onCreated,
}: {
  workflowId: string;
  onClose: () => void;
  onCreated: OnCreated;
}) {
  const c = useCommon();
  const [auth, setAuth] = useState<'hmac' | 'bearer'>('hmac');
  const [mode, setMode] = useState<'async' | 'wait'>('async');
  const [wait, setWait] = useState('30');
  const [rate, setRate] = useState('60');
  const submit = () =>
    create(
      c,
      {
        workflow: workflowId,
        kind: 'webhook',
        auth,
        response_mode: mode,
        wait_timeout_s: Number(wait),
        rate_limit_per_min: Number(rate),
      },
      onCreated,
    );
  return (
    <Modal
      title="New webhook"
      onClose={onClose}
      footer={<Footer onClose={onClose} onCreate={submit} label="Create webhook" />}
    >
      <ErrorBanner error={c.error} />
      <div className="trigger-grid">
        <Field label="Authentication">
          <select
            value={auth}
            onChange={(e) => setAuth(e.target.value as 'hmac' | 'bearer')}
            data-testid="webhook-auth"
          >
            <option value="hmac">HMAC-SHA256 signature (replay-safe)</option>
            <option value="bearer">Bearer secret</option>
          </select>
        </Field>
        <Field label="Response">
          <select value={mode} onChange={(e) => setMode(e.target.value as 'async' | 'wait')} data-testid="webhook-mode">
            <option value="async">At once: 202 with the run id</option>
            <option value="wait">Wait for the outputs</option>
          </select>
        </Field>
        <Field label="Wait at most (s)" error={fieldError(c.error, 'wait_timeout_s')}>
          <input
            type="number"
            min={1}
            max={120}
            value={wait}
            disabled={mode !== 'wait'}
            onChange={(e) => setWait(e.target.value)}
          />
        </Field>
        <Field label="Calls per minute" error={fieldError(c.error, 'rate_limit_per_min')}>
          <input type="number" min={1} value={rate} onChange={(e) => setRate(e.target.value)} />
        </Field>
      </div>
      <CommonFields
        c={c}
        example="One input per line, from the JSON body: question = body.text. Empty: the body is the inputs."
      />
    </Modal>
  );
}

export function WebhookCreated({
  trigger,
  onClose,
  title = 'Webhook created',
}: {
  trigger: CreatedTrigger;
  onClose: () => void;
  title?: string;
}) {
  const url = trigger.url ?? '';
  const curl = curlExample(url, trigger.secret, trigger.auth);
  return (
    <Modal
      title={title}
      onClose={onClose}
      wide
      footer={
        <button className="primary" onClick={onClose} data-testid="webhook-done">
          Done
        </button>
      }
    >
      <p>
        <b>Copy the secret now: it is shown only this once.</b>
      </p>
      <CopyRow label="URL" value={url} testId="created-url" />
      <CopyRow label="Secret" value={trigger.secret} testId="created-secret" />
      <h3>Try it</h3>
      <pre className="curl" data-testid="curl-example">
        {curl}
      </pre>
      <div className="row">
        <CopyButton value={curl} what="Command" />
      </div>
    </Modal>
  );
}

function CopyRow({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div className="copy-row">
      <span className="lbl">{label}</span>
      <code className="secret" data-testid={testId}>
        {value}
      </code>
      <CopyButton value={value} what={label} />
    </div>
  );
}

function CopyButton({ value, what }: { value: string; what: string }): ReactNode {
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      toast(`${what} copied`, 'ok');
    } catch {
      toast('Copy failed: select the text and copy it by hand.', 'error');
    }
  };
  return (
    <button className="small" onClick={copy}>
      Copy
    </button>
  );
}
