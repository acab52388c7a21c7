// Development-only mock of the AXWeb API contract: serves ../static/app and fake data so the
// built app can be looked at without the Django server.  `node scripts/mock-api.mjs [port]`
// With AXWEB_BACKEND=http://127.0.0.1:8000 it serves the built app and forwards /api and /ws
// to that real server instead (daphne does not serve static files).
import { createHash } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { extname, join } from 'node:path';

const ROOT = new URL('../../static/app/', import.meta.url).pathname;
const PORT = Number(process.argv[2] ?? 8765);
const json = (res, status, body) => {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(body === undefined ? '' : JSON.stringify(body));
};
const page = (results) => ({ count: results.length, next: null, previous: null, results });
const port = (name, type, extra = {}) => ({ name, type, required: true, multiple: false, ...extra });
const K = (kind, title, category, color, inputs, outputs, props = {}, extra = {}) => ({
  kind,
  title,
  category,
  color,
  description: `${title} node.`,
  inputs,
  outputs,
  dynamic_ports: false,
  config_schema: { type: 'object', properties: props, required: [] },
  ...extra,
});
const KINDS = [
  K('input', 'Input', 'Data', '#0ea5e9', [], [port('out', 'text')], { name: { type: 'string' } }),
  K('output', 'Output', 'Data', '#0284c7', [port('in', 'any')], []),
  K('agent', 'Agent', 'AI', '#6366f1', [port('in', 'text')], [port('out', 'text')], {
    agent: { type: 'string', format: 'agent' },
    prompt: { type: 'string', format: 'prompt' },
    max_steps: { type: 'integer', default: 6 },
  }),
  K('llm', 'LLM', 'AI', '#8b5cf6', [port('in', 'text')], [port('out', 'text')], {
    model: { type: 'string', format: 'model' },
    prompt: { type: 'string', format: 'prompt', default: 'Answer: {{in}}' },
    temperature: { type: 'number', default: 0.2 },
  }),
  K('tool', 'Tool', 'AI', '#f59e0b', [port('in', 'json')], [port('out', 'json')], {
    tool: { type: 'string', format: 'tool' },
  }),
  K('condition', 'Condition', 'Flow', '#ef4444', [port('in', 'any')], [port('true', 'any'), port('false', 'any')], {
    expression: { type: 'string', format: 'expression' },
  }),
  K(
    'router',
    'Router',
    'Flow',
    '#f97316',
    [port('in', 'text')],
    [],
    { mode: { type: 'string', enum: ['llm', 'rule'] }, branches: { type: 'array', items: { type: 'string' } } },
    { dynamic_ports: true },
  ),
  K('join', 'Join', 'Flow', '#14b8a6', [port('in', 'any', { multiple: true })], [port('out', 'list')], {
    policy: { type: 'string', enum: ['all', 'any', 'quorum'] },
    k: { type: 'integer' },
  }),
  K('map', 'Map', 'Flow', '#10b981', [port('items', 'list')], [port('out', 'list')], {
    workflow: { type: 'string', format: 'workflow' },
  }),
  K(
    'approval',
    'Approval',
    'Human',
    '#d97706',
    [port('in', 'any')],
    [port('approved', 'any'), port('rejected', 'any')],
    { prompt: { type: 'string', format: 'prompt' } },
  ),
  K('memory_write', 'Memory write', 'Memory', '#64748b', [port('in', 'any')], [port('out', 'any')], {
    key: { type: 'string' },
    policy: { type: 'string', enum: ['replace', 'append', 'merge'] },
  }),
  K('note', 'Note', 'Annotation', '#eab308', [], [], { text: { type: 'string', format: 'textarea' } }),
];
const node = (id, kind, label, x, y, config = {}) => ({ id, kind, label, position: { x, y }, config });
const edge = (id, s, sp, t, tp) => ({ id, source: s, source_port: sp, target: t, target_port: tp });
const DEMO = {
  schema_version: 1,
  nodes: [
    node('n1', 'input', 'Question', 0, 120, { name: 'question' }),
    node('n2', 'agent', 'Researcher', 260, 0, { prompt: 'Research {{question}} and list facts' }),
    node('n3', 'llm', 'Critic', 260, 240, { prompt: 'Critique: {{in}}' }),
    node('n4', 'join', 'Merge', 540, 120, { policy: 'all' }),
    node('n5', 'approval', 'Human check', 780, 120, { prompt: 'Publish?' }),
    node('n6', 'output', 'Answer', 1040, 120),
    node('n7', 'note', 'Note', 0, 320, { text: 'Two branches run in parallel, then a human approves.' }),
  ],
  edges: [
    edge('e1', 'n1', 'out', 'n2', 'in'),
    edge('e2', 'n1', 'out', 'n3', 'in'),
    edge('e3', 'n2', 'out', 'n4', 'in'),
    edge('e4', 'n3', 'out', 'n4', 'in'),
    edge('e5', 'n4', 'out', 'n5', 'in'),
    edge('e6', 'n5', 'approved', 'n6', 'in'),
  ],
};
function big(n = 500) {
  const nodes = [],
    edges = [];
  for (let i = 0; i < n; i++)
    nodes.push(node(`n${i + 1}`, i % 3 ? 'llm' : 'agent', `Step ${i + 1}`, (i % 25) * 260, Math.floor(i / 25) * 170));
  for (let i = 1; i < n && edges.length < 600; i++) {
    edges.push(edge(`e${edges.length + 1}`, `n${i}`, 'out', `n${i + 1}`, 'in'));
  }
  return { schema_version: 1, nodes, edges };
}
const now = Date.now(),
  iso = (ms) => new Date(now + ms).toISOString();
const wf = (id, name, graph, v) => ({
  id,
  name,
  slug: name.toLowerCase().replace(/\W+/g, '-'),
  description: 'Demo workflow',
  owner: 1,
  created_at: iso(-9e7),
  updated_at: iso(-3e6),
  latest_version: v ? { number: v, created_at: iso(-3e6), message: 'first cut' } : null,
  graph,
});
const WFS = [
  wf(1, 'Research team', DEMO, 2),
  wf(2, 'Big pipeline (500 nodes)', big(), 1),
  wf(3, 'Empty draft', { schema_version: 1, nodes: [], edges: [] }, 0),
];
const RUN = {
  id: 'r-1',
  workflow: 1,
  workflow_name: 'Research team',
  version: 2,
  status: 'running',
  inputs: { question: 'Why is the sky blue?' },
  outputs: null,
  error: null,
  created_at: iso(-5000),
  started_at: iso(-4000),
  finished_at: null,
  usage: { input_tokens: 0, output_tokens: 0, cost: 0 },
};
let seq = 0;
const EV = [];
const push = (type, nodeId, data, at) => EV.push({ run: 'r-1', seq: ++seq, type, node: nodeId, ts: iso(at), data });
push('run.started', null, {}, -4000);
push('node.started', 'n1', {}, -3900);
push('node.finished', 'n1', { output: 'Why is the sky blue?', usage: {} }, -3800);
push('node.started', 'n2', {}, -3700);
push('node.started', 'n3', {}, -3650);
push('node.token', 'n2', { text: 'Rayleigh scattering ' }, -3000);
push('node.tool_call', 'n2', { call_id: 'c1', tool: 'knowledge_search', arguments: { q: 'rayleigh' } }, -2900);
push('node.tool_result', 'n2', { call_id: 'c1', result: ['short wavelengths scatter more'] }, -2500);
push('node.token', 'n3', { text: 'The claim needs a source.' }, -2000);
push(
  'node.finished',
  'n3',
  { output: 'The claim needs a source.', usage: { input_tokens: 40, output_tokens: 12, cost: 0.0011 } },
  -1500,
);
push('memory.written', 'n2', { key: 'facts', value: ['blue scatters more'], policy: 'append' }, -1200);
push('message.posted', 'n2', { channel: 'team', sender: 'Researcher', text: 'Critic, see facts.' }, -1100);
const SNAP_AT = EV.length; // the snapshot holds these; the socket streams the rest
const LIVE = [
  ['node.token', 'n2', { text: 'makes short wavelengths scatter more.' }],
  ['node.finished', 'n2', { output: 'Rayleigh…', usage: { input_tokens: 120, output_tokens: 60, cost: 0.004 } }],
  ['node.started', 'n4', {}],
  ['node.finished', 'n4', { output: ['a', 'b'], usage: {} }],
  ['node.started', 'n5', {}],
  [
    'approval.requested',
    'n5',
    { approval_id: 'a1', prompt: 'Publish the answer?', payload: { answer: 'Rayleigh scattering' } },
  ],
  ['run.paused', null, {}],
];
function snapshot() {
  const s = { seq: 0, run: { ...RUN }, nodes: {}, approvals: [], memory: {}, messages: [] };
  for (const e of EV.slice(0, SNAP_AT)) {
    s.seq = e.seq;
    const n =
      e.node &&
      (s.nodes[e.node] ??= {
        status: 'queued',
        started_at: null,
        finished_at: null,
        attempt: 0,
        output: null,
        error: null,
        text: '',
        usage: null,
      });
    if (e.type === 'node.started') Object.assign(n, { status: 'running', started_at: e.ts, attempt: 1 });
    if (e.type === 'node.token') n.text += e.data.text;
    if (e.type === 'node.finished')
      Object.assign(n, { status: 'succeeded', finished_at: e.ts, output: e.data.output, usage: e.data.usage });
    if (e.type === 'memory.written') s.memory[e.data.key] = e.data.value;
    if (e.type === 'message.posted') s.messages.push({ ...e.data, ts: e.ts, node: e.node });
  }
  return s;
}
function wsAccept(req, socket) {
  const key = createHash('sha1')
    .update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11')
    .digest('base64');
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${key}\r\n\r\n`,
  );
  const send = (obj) => {
    const p = Buffer.from(JSON.stringify(obj));
    const h = p.length < 126 ? Buffer.from([0x81, p.length]) : Buffer.from([0x81, 126, p.length >> 8, p.length & 255]);
    socket.write(Buffer.concat([h, p]));
  };
  socket.on('data', () => {
    if (!req.url.startsWith('/ws/runs/r-1')) return;
    let i = 0;
    const t = setInterval(() => {
      if (i >= LIVE.length) return clearInterval(t);
      const [type, n, data] = LIVE[i++];
      push(type, n, data, 0);
      EV[EV.length - 1].ts = new Date().toISOString();
      send({ type: 'events', events: EV.slice(SNAP_AT) }); // resend everything: the client must dedupe by seq
    }, 700);
    socket.on('close', () => clearInterval(t));
  });
  socket.on('error', () => undefined);
}
function api(req, res, url) {
  const p = url.pathname;
  if (p === '/api/auth/csrf/') {
    res.setHeader('Set-Cookie', 'csrftoken=mock; Path=/');
    return json(res, 204);
  }
  if (p === '/api/auth/me/' || p === '/api/auth/login/')
    return json(res, 200, { id: 1, username: 'ada', is_staff: true });
  if (p === '/api/node-kinds/') return json(res, 200, KINDS);
  if (p === '/api/workflows/') return json(res, 200, page(WFS.map(({ graph, ...w }) => w)));
  let m = p.match(/^\/api\/workflows\/(\d+)\/(draft|versions\/\d+)\/$/);
  if (m) {
    const w = WFS.find((x) => x.id === Number(m[1]));
    return req.method === 'PUT'
      ? json(res, 200, {})
      : json(res, 200, { graph: w.graph, number: 2, message: 'first cut', created_at: iso(-3e6), updated_at: iso(0) });
  }
  m = p.match(/^\/api\/workflows\/(\d+)\/versions\/$/);
  if (m && req.method === 'POST')
    return json(res, 400, {
      error: {
        status: 400,
        code: 'invalid_graph',
        message: 'The graph has problems.',
        fields: {},
        problems: [
          { code: 'missing_input', message: 'Required input "in" of Merge is not connected', node: 'n4', edge: null },
          { code: 'type_mismatch', message: 'text output cannot feed a json input', node: null, edge: 'e2' },
        ],
      },
    });
  if (m)
    return json(
      res,
      200,
      page([
        { number: 2, message: 'add critic', created_at: iso(-3e6), created_by: 'ada' },
        { number: 1, message: 'first cut', created_at: iso(-9e6), created_by: 'ada' },
      ]),
    );
  m = p.match(/^\/api\/workflows\/(\d+)\/$/);
  if (m) {
    const { graph, ...w } = WFS.find((x) => x.id === Number(m[1]));
    return json(res, 200, w);
  }
  if (p === '/api/runs/')
    return json(
      res,
      200,
      page([
        RUN,
        {
          ...RUN,
          id: 'r-0',
          status: 'succeeded',
          finished_at: iso(-1000),
          usage: { input_tokens: 300, output_tokens: 120, cost: 0.01 },
        },
      ]),
    );
  if (p === '/api/runs/r-1/') return json(res, 200, RUN);
  if (p === '/api/runs/r-1/snapshot/') return json(res, 200, snapshot());
  if (p === '/api/agents/')
    return json(
      res,
      200,
      page([
        {
          id: 1,
          name: 'Researcher',
          role: 'finds facts',
          system_prompt: 'You research {{topic}}',
          model: 'builtin:smollm2-135m',
          parameters: {},
          tools: ['calculator'],
        },
      ]),
    );
  if (p === '/api/models/')
    return json(
      res,
      200,
      page([
        {
          id: 1,
          provider: 'builtin',
          name: 'smollm2-135m',
          ref: 'builtin:smollm2-135m',
          tier: 'local',
          context_length: 2048,
          cost_in_per_1k: 0,
          cost_out_per_1k: 0,
        },
      ]),
    );
  if (p === '/api/tools/catalog/')
    return json(res, 200, [{ name: 'calculator', description: '', input_schema: {}, builtin: true }]);
  if (p === '/api/credentials/')
    return json(res, 200, page([{ id: 1, provider: 'anthropic', label: 'team key', is_set: true, last4: 'x9Qa' }]));
  if (p.startsWith('/api/')) return json(res, 200, page([]));
  return json(res, 404, { error: { status: 404, code: 'not_found', message: 'Not found.' } });
}
const TYPES = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html' };
const BACKEND = process.env.AXWEB_BACKEND ? new URL(process.env.AXWEB_BACKEND) : null;

function forward(req, res) {
  const up = httpRequest(
    { host: BACKEND.hostname, port: BACKEND.port, path: req.url, method: req.method, headers: req.headers },
    (r) => {
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    },
  );
  up.on('error', () =>
    json(res, 502, { error: { status: 502, code: 'bad_gateway', message: 'Backend unreachable.' } }),
  );
  req.pipe(up);
}

function forwardUpgrade(req, socket, head) {
  const up = connect(Number(BACKEND.port), BACKEND.hostname, () => {
    const lines = [`${req.method} ${req.url} HTTP/1.1`, ...Object.entries(req.headers).map(([k, v]) => `${k}: ${v}`)];
    up.write(lines.join('\r\n') + '\r\n\r\n');
    if (head?.length) up.write(head);
    up.pipe(socket);
    socket.pipe(up);
  });
  up.on('error', () => socket.destroy());
  socket.on('error', () => up.destroy());
}

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (BACKEND && url.pathname.startsWith('/api/')) return forward(req, res);
  if (url.pathname.startsWith('/api/')) return api(req, res, url);
  const file = url.pathname.startsWith('/static/app/')
    ? join(ROOT, url.pathname.slice('/static/app/'.length))
    : join(ROOT, 'index.html');
  if (!existsSync(file)) return json(res, 404, {});
  res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
  res.end(readFileSync(file));
});
server.on('upgrade', (req, socket, head) => (BACKEND ? forwardUpgrade(req, socket, head) : wsAccept(req, socket)));
server.listen(PORT, '127.0.0.1', () => console.log(`mock AXWeb on http://127.0.0.1:${PORT}`));
