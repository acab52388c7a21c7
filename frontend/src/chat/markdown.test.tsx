import { cleanup, render } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { Markdown } from './Markdown';
import { parseBlocks, parseInline, safeHref } from './markdown';

afterEach(cleanup);

const view = (text: string) => render(<Markdown text={text} />).container;

describe('markdown rendering is safe', () => {
  it('renders an HTML image tag with an onerror handler as plain text', () => {
    const box = view('Here: <img src=x onerror=alert(1)> done');
    expect(box.querySelector('img')).toBeNull();
    expect(box.textContent).toBe('Here: <img src=x onerror=alert(1)> done');
  });

  it('renders script tags and HTML inside code and bold as text, creating no element from them', () => {
    const box = view('**<script>alert(1)</script>**\n\n```html\n<b onclick="x()">hi</b>\n```');
    expect(box.querySelector('script')).toBeNull();
    expect(box.querySelector('b')).toBeNull();
    expect(box.querySelector('strong')?.textContent).toBe('<script>alert(1)</script>');
    expect(box.querySelector('pre code')?.textContent).toBe('<b onclick="x()">hi</b>');
  });

  it('keeps a javascript: link as text instead of a link', () => {
    const box = view('[click](javascript:alert(1))');
    expect(box.querySelector('a')).toBeNull();
    expect(box.textContent).toContain('[click](javascript:alert(1))');
  });

  it('follows only web, mail and same-site links', () => {
    expect(safeHref('https://example.com/a')).toBe('https://example.com/a');
    expect(safeHref('mailto:a@b.c')).toBe('mailto:a@b.c');
    expect(safeHref('/runs/1')).toBe('/runs/1');
    expect(safeHref('//evil.example')).toBeNull();
    expect(safeHref('data:text/html,<script>')).toBeNull();
    expect(safeHref(' JavaScript:alert(1)')).toBeNull();
  });

  it('opens links in a new tab without giving the page access to the opener', () => {
    const a = view('see [docs](https://example.com)').querySelector('a')!;
    expect(a.getAttribute('href')).toBe('https://example.com');
    expect(a.getAttribute('rel')).toContain('noopener');
    expect(a.textContent).toBe('docs');
  });
});

describe('markdown structure', () => {
  it('renders a fenced code block with its language and exact content', () => {
    const box = view('Try:\n\n```python\nprint(1 * 2)\n  x = "a"\n```\nafter');
    const code = box.querySelector('pre code')!;
    expect(code.textContent).toBe('print(1 * 2)\n  x = "a"');
    expect(code.className).toBe('lang-python');
    expect(box.querySelector('.md-code-head')?.textContent).toContain('python');
    expect(box.querySelectorAll('p')[1].textContent).toBe('after');
  });

  it('treats an unclosed fence while streaming as code to the end', () => {
    expect(parseBlocks('```js\nlet a = 1;\nlet b')).toEqual([{ t: 'code', lang: 'js', v: 'let a = 1;\nlet b' }]);
  });

  it('renders headings, lists, nested lists, quotes and rules', () => {
    const box = view('# Title\n\n- one\n- two\n  - inner\n\n1. first\n2. second\n\n> quoted\n\n---');
    expect(box.querySelector('h3')?.textContent).toBe('Title');
    expect(box.querySelectorAll('ul > li').length).toBe(3);
    expect(box.querySelector('ul ul li')?.textContent).toBe('inner');
    expect([...box.querySelectorAll('ol > li')].map((li) => li.textContent)).toEqual(['first', 'second']);
    expect(box.querySelector('blockquote')?.textContent).toBe('quoted');
    expect(box.querySelector('hr')).not.toBeNull();
  });

  it('parses inline code, bold, italics and links in order', () => {
    expect(parseInline('a `x*y*` **b** *c* _d_')).toEqual([
      { t: 'text', v: 'a ' },
      { t: 'code', v: 'x*y*' },
      { t: 'text', v: ' ' },
      { t: 'strong', c: [{ t: 'text', v: 'b' }] },
      { t: 'text', v: ' ' },
      { t: 'em', c: [{ t: 'text', v: 'c' }] },
      { t: 'text', v: ' ' },
      { t: 'em', c: [{ t: 'text', v: 'd' }] },
    ]);
  });

  it('leaves arithmetic and snake_case words alone', () => {
    expect(parseInline('2 * 3 * 4 = 24 and my_var_name')).toEqual([{ t: 'text', v: '2 * 3 * 4 = 24 and my_var_name' }]);
  });

  it('keeps single line breaks inside a paragraph', () => {
    const box = view('line one\nline two');
    expect(box.querySelectorAll('br').length).toBe(1);
  });
});
