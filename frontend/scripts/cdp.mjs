// Minimal Chrome DevTools Protocol driver for local smoke checks of the built app
// (Debian chromium, Node >= 20 with --experimental-websocket). Not part of the test suite.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function launch(url, { port = 9333, width = 1280, height = 720 } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'axweb-chrome-')); // fresh cookies every launch
  const proc = spawn(
    'chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--hide-scrollbars',
      `--window-size=${width},${height}`,
      `--remote-debugging-port=${port}`,
      `--user-data-dir=${profile}`,
      url,
    ],
    { stdio: 'ignore', detached: true },
  );
  // /usr/bin/chromium is a wrapper script: end the whole process group, not just the wrapper.
  const kill = () => {
    try {
      process.kill(-proc.pid);
    } catch {
      /* already gone */
    }
  };
  process.on('exit', kill); // also when a check throws before close()
  let target;
  for (let i = 0; i < 50 && !target; i++) {
    await sleep(200);
    try {
      target = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()).find((t) => t.type === 'page');
    } catch {
      /* not up yet */
    }
  }
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((r) => (ws.onopen = r));
  let id = 0;
  const waiting = new Map();
  const logs = [];
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    if (msg.id && waiting.has(msg.id)) {
      waiting.get(msg.id)(msg);
      waiting.delete(msg.id);
    }
    if (msg.method === 'Runtime.exceptionThrown')
      logs.push(`EXC ${msg.params.exceptionDetails.exception?.description ?? msg.params.exceptionDetails.text}`);
    if (msg.method === 'Runtime.consoleAPICalled' && ['error', 'warning'].includes(msg.params.type))
      logs.push(`${msg.params.type} ${msg.params.args.map((a) => a.value ?? a.description).join(' ')}`);
  };
  const send = (method, params = {}) =>
    new Promise((r) => {
      const i = ++id;
      waiting.set(i, r);
      ws.send(JSON.stringify({ id: i, method, params }));
    });
  await send('Runtime.enable');
  const page = {
    logs,
    send,
    sleep,
    async eval(expression) {
      const r = await send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
      if (r.result?.exceptionDetails) throw new Error(JSON.stringify(r.result.exceptionDetails));
      return r.result?.result?.value;
    },
    async shot(path) {
      const r = await send('Page.captureScreenshot', { format: 'png' });
      writeFileSync(path, Buffer.from(r.result.data, 'base64'));
    },
    async mouse(type, x, y, buttons = 1) {
      await send('Input.dispatchMouseEvent', { type, x, y, button: 'left', buttons, clickCount: 1 });
    },
    async drag(x1, y1, x2, y2, steps = 10) {
      await page.mouse('mouseMoved', x1, y1, 0);
      await page.mouse('mousePressed', x1, y1);
      for (let i = 1; i <= steps; i++)
        await page.mouse('mouseMoved', x1 + ((x2 - x1) * i) / steps, y1 + ((y2 - y1) * i) / steps);
      await page.mouse('mouseReleased', x2, y2, 0);
    },
    async key(key, modifiers = 0, code = key) {
      await send('Input.dispatchKeyEvent', {
        type: 'keyDown',
        key,
        code,
        modifiers,
        windowsVirtualKeyCode: key.length === 1 ? key.toUpperCase().charCodeAt(0) : 0,
      });
      await send('Input.dispatchKeyEvent', { type: 'keyUp', key, code, modifiers });
    },
    async center(selector) {
      return page.eval(
        `(() => { const r = document.querySelector(${JSON.stringify(selector)})?.getBoundingClientRect(); return r && { x: r.x + r.width / 2, y: r.y + r.height / 2 }; })()`,
      );
    },
    close() {
      ws.close();
      kill();
      setTimeout(() => rmSync(profile, { recursive: true, force: true }), 500);
    },
  };
  return page;
}
