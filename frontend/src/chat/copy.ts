import { toast } from '../lib/ui';

/** Copy to the clipboard with a toast either way (the clipboard needs a secure context or localhost). */
export function copyText(text: string, ok = 'Copied'): void {
  const fallback = () => {
    const area = document.createElement('textarea');
    area.value = text;
    document.body.appendChild(area);
    area.select();
    const done = document.execCommand('copy');
    area.remove();
    toast(done ? ok : 'Could not copy', done ? 'ok' : 'error');
  };
  if (navigator.clipboard?.writeText) navigator.clipboard.writeText(text).then(() => toast(ok, 'ok'), fallback);
  else fallback();
}
