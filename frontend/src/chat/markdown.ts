/**
 * A small markdown parser for chat answers: text in, a tree of plain data out. Nothing here
 * produces HTML — the renderer (Markdown.tsx) builds React elements from the tree, so model
 * output such as `<img src=x onerror=…>` can only ever become text. Covers what models write:
 * headings, paragraphs, fenced code (an unclosed fence while streaming is code to the end),
 * lists (nested by indent), quotes, rules, and inline code, bold, italics and links.
 */

export type Inline =
  | { t: 'text'; v: string }
  | { t: 'code'; v: string }
  | { t: 'strong'; c: Inline[] }
  | { t: 'em'; c: Inline[] }
  | { t: 'link'; href: string; c: Inline[] }
  | { t: 'br' };

export type Block =
  | { t: 'p'; c: Inline[] }
  | { t: 'h'; level: number; c: Inline[] }
  | { t: 'code'; lang: string; v: string }
  | { t: 'list'; ordered: boolean; start: number; items: Block[][] }
  | { t: 'quote'; c: Block[] }
  | { t: 'hr' };

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([\w+#.-]*)/;
const HEADING = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const RULE = /^ {0,3}([-*_])(\s*\1){2,}\s*$/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const ITEM = /^( *)([-*+]|\d{1,9}[.)])\s+(.*)$/;

const isBlank = (line: string) => !line.trim();

/** Does this line start a block other than a paragraph (so a paragraph ends before it)? */
function startsBlock(line: string): boolean {
  return FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line) || ITEM.test(line);
}

type Step = { block: Block | null; next: number };

function fence(lines: string[], i: number): Step {
  const [, marks, lang] = FENCE.exec(lines[i])!;
  const body: string[] = [];
  let j = i + 1;
  for (; j < lines.length; j++) {
    if (lines[j].trim().startsWith(marks[0].repeat(marks.length)) && !lines[j].trim().slice(marks.length).trim()) break;
    body.push(lines[j]);
  }
  return { block: { t: 'code', lang, v: body.join('\n') }, next: j + 1 };
}

function quote(lines: string[], i: number): Step {
  const body: string[] = [];
  let j = i;
  for (; j < lines.length && QUOTE.test(lines[j]); j++) body.push(QUOTE.exec(lines[j])![1]);
  return { block: { t: 'quote', c: parseBlocks(body.join('\n')) }, next: j };
}

function list(lines: string[], i: number): Step {
  const first = ITEM.exec(lines[i])!;
  const indent = first[1].length;
  const ordered = /\d/.test(first[2]);
  const items: string[][] = [];
  let j = i;
  for (; j < lines.length; j++) {
    const m = ITEM.exec(lines[j]);
    if (m && m[1].length === indent && /\d/.test(m[2]) === ordered) items.push([m[3]]);
    else if (m && m[1].length < indent) break;
    else if (isBlank(lines[j])) {
      const after = lines[j + 1];
      if (after === undefined || !(/^\s/.test(after) || ITEM.test(after))) break;
      items[items.length - 1].push('');
    } else if (/^\s/.test(lines[j]) || (!startsBlock(lines[j]) && items.length))
      items[items.length - 1].push(lines[j].replace(new RegExp(`^ {0,${indent + 4}}`), ''));
    else break;
  }
  const start = ordered ? parseInt(first[2], 10) : 1;
  return { block: { t: 'list', ordered, start, items: items.map((it) => parseBlocks(it.join('\n'))) }, next: j };
}

function paragraph(lines: string[], i: number): Step {
  const body: string[] = [];
  let j = i;
  for (; j < lines.length && !isBlank(lines[j]) && (j === i || !startsBlock(lines[j])); j++) body.push(lines[j].trim());
  return { block: { t: 'p', c: parseInline(body.join('\n')) }, next: j };
}

function step(lines: string[], i: number): Step {
  const line = lines[i];
  if (isBlank(line)) return { block: null, next: i + 1 };
  if (FENCE.test(line)) return fence(lines, i);
  const h = HEADING.exec(line);
  if (h) return { block: { t: 'h', level: h[1].length, c: parseInline(h[2]) }, next: i + 1 };
  if (RULE.test(line)) return { block: { t: 'hr' }, next: i + 1 };
  if (QUOTE.test(line)) return quote(lines, i);
  if (ITEM.test(line)) return list(lines, i);
  return paragraph(lines, i);
}

export function parseBlocks(src: string): Block[] {
  const lines = src.replace(/\r\n?/g, '\n').split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length;) {
    const { block, next } = step(lines, i);
    if (block) out.push(block);
    i = next;
  }
  return out;
}

/** Only web, mail and same-site links are followed; anything else (javascript:, data:…) stays text. */
export function safeHref(href: string): string | null {
  const h = href.trim();
  if (/^(https?:|mailto:)/i.test(h)) return h;
  if (/^[/#]/.test(h) && !h.startsWith('//')) return h;
  return null;
}

type Rule = { re: RegExp; make: (m: RegExpExecArray) => Inline };

const INLINE: Rule[] = [
  { re: /(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/, make: (m) => ({ t: 'code', v: m[2].trim() || m[2] }) },
  { re: /\[([^\]\n]+)\]\(([^)\s]+)\)/, make: (m) => link(m[1], m[2]) },
  { re: /\*\*(?=\S)([\s\S]*?\S)\*\*/, make: (m) => ({ t: 'strong', c: parseInline(m[1]) }) },
  { re: /(?<![\w])__(?=\S)([\s\S]*?\S)__(?![\w])/, make: (m) => ({ t: 'strong', c: parseInline(m[1]) }) },
  { re: /\*(?=[^\s*])([^*\n]*?[^\s*])\*/, make: (m) => ({ t: 'em', c: parseInline(m[1]) }) },
  { re: /(?<![\w])_(?=[^\s_])([^_\n]*?[^\s_])_(?![\w])/, make: (m) => ({ t: 'em', c: parseInline(m[1]) }) },
  { re: /\bhttps?:\/\/[^\s<>()]*[^\s<>().,;:!?'"]/, make: (m) => ({ t: 'link', href: m[0], c: [text(m[0])] }) },
];

function text(v: string): Inline {
  return { t: 'text', v };
}

function link(label: string, href: string): Inline {
  const safe = safeHref(href);
  return safe ? { t: 'link', href: safe, c: parseInline(label) } : text(`[${label}](${href})`);
}

/** Plain text with line breaks as their own nodes. */
function plain(v: string): Inline[] {
  const out: Inline[] = [];
  v.split('\n').forEach((part, k) => {
    if (k) out.push({ t: 'br' });
    if (part) out.push(text(part));
  });
  return out;
}

export function parseInline(src: string): Inline[] {
  let best: { m: RegExpExecArray; rule: Rule } | null = null;
  for (const rule of INLINE) {
    const m = rule.re.exec(src);
    if (m && (!best || m.index < best.m.index)) best = { m, rule };
  }
  if (!best) return plain(src);
  const { m, rule } = best;
  return [...plain(src.slice(0, m.index)), rule.make(m), ...parseInline(src.slice(m.index + m[0].length))];
}
