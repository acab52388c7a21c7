/** Renders the parsed markdown tree as React elements (no HTML strings anywhere: text stays text). */
import { createElement, type ReactNode } from 'react';
import { parseBlocks, type Block, type Inline } from './markdown';
import { copyText } from './copy';

function inlines(nodes: Inline[]): ReactNode[] {
  return nodes.map((n, i) => {
    switch (n.t) {
      case 'text':
        return n.v;
      case 'br':
        return <br key={i} />;
      case 'code':
        return <code key={i}>{n.v}</code>;
      case 'strong':
        return <strong key={i}>{inlines(n.c)}</strong>;
      case 'em':
        return <em key={i}>{inlines(n.c)}</em>;
      case 'link':
        return (
          <a key={i} href={n.href} target="_blank" rel="noopener noreferrer nofollow">
            {inlines(n.c)}
          </a>
        );
    }
  });
}

function CodeBlock({ lang, code }: { lang: string; code: string }) {
  return (
    <div className="md-code">
      <div className="md-code-head">
        <span>{lang || 'code'}</span>
        <button className="small ghost" onClick={() => copyText(code, 'Code copied')}>
          Copy
        </button>
      </div>
      <pre>
        <code className={lang ? `lang-${lang.replace(/[^\w+-]/g, '')}` : undefined}>{code}</code>
      </pre>
    </div>
  );
}

function block(b: Block, key: number): ReactNode {
  switch (b.t) {
    case 'p':
      return <p key={key}>{inlines(b.c)}</p>;
    case 'h':
      return createElement(`h${Math.min(6, b.level + 2)}`, { key }, inlines(b.c));
    case 'code':
      return <CodeBlock key={key} lang={b.lang} code={b.v} />;
    case 'hr':
      return <hr key={key} />;
    case 'quote':
      return <blockquote key={key}>{b.c.map(block)}</blockquote>;
    case 'list': {
      const items = b.items.map((it, i) => <li key={i}>{listItem(it)}</li>);
      return b.ordered ? (
        <ol key={key} start={b.start}>
          {items}
        </ol>
      ) : (
        <ul key={key}>{items}</ul>
      );
    }
  }
}

/** A tight list item (one paragraph) renders without the paragraph's margins. */
function listItem(blocks: Block[]): ReactNode {
  if (blocks.length === 1 && blocks[0].t === 'p') return inlines(blocks[0].c);
  return blocks.map(block);
}

export function Markdown({ text }: { text: string }) {
  return <div className="md">{parseBlocks(text).map(block)}</div>;
}
