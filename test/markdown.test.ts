// Server text made inert for the summary, checked as a Markdown parser (marked, GFM) reads it.
import { marked, type Token, type Tokens } from 'marked';
import { describe, expect, it } from 'vitest';
import { clip, htmlImage, mdCell, mdCode, mdLink, mdText, webUrl } from '../src/report/markdown.js';

/** The tokens of a one-paragraph document, or the block tokens when it is something else. */
function inline(markdown: string): Token[] {
  const blocks = marked.lexer(markdown);
  expect(blocks.map((block) => block.type)).toEqual(['paragraph']);
  return (blocks[0] as Tokens.Paragraph).tokens;
}

/** Every token type in a tree. */
function typesIn(tokens: Token[]): string[] {
  return tokens.flatMap((token) => [
    token.type,
    ...typesIn(('tokens' in token && (token.tokens as Token[])) || []),
  ]);
}

/** The text a reader sees of plain tokens. */
const shown = (tokens: Token[]) => tokens.map((token) => (token as Tokens.Text).text).join('');

const HOSTILE = [
  '# All tasks succeeded',
  '![pixel](https://tracker.example/p.gif)',
  '[click](javascript:alert(1))',
  '<img src=x onerror=alert(1)>',
  '<script>alert(1)</script>',
  '**bold** _em_ ~~gone~~ `code`',
  '&amp; &#60; | pipe \\ backslash',
  '> quoted',
  '1. listed',
  '- item',
  '---',
  '    indented code',
];

describe('mdText', () => {
  it.each(HOSTILE)('renders %j as the text it is, with no markup', (text) => {
    const tokens = inline(mdText(text));
    expect(new Set(typesIn(tokens))).toEqual(
      new Set(typesIn(tokens).filter((type) => type === 'text' || type === 'escape')),
    );
    expect(shown(tokens)).toBe(text.replace(/\s+/g, ' '));
  });

  it('keeps a message on one line, so it cannot start a heading or a block of its own', () => {
    const text = 'fine\n# Fake heading\r\n<div>\n\n- list';
    expect(mdText(text)).not.toContain('\n');
    const [quote, ...rest] = marked.lexer(`> ${mdText(text)}`);
    expect(rest).toEqual([]);
    expect((quote as Tokens.Blockquote).tokens.map((block) => block.type)).toEqual(['paragraph']);
  });
});

describe('mdCode', () => {
  it.each(['plain', 'a`b', '`starts', 'ends`', 'a ``b`` |c`', ' padded ', '<b>**x**</b>', '``'])(
    'holds %j exactly, in as many backticks as it needs',
    (text) => {
      const [token] = inline(mdCode(text));
      expect(token).toMatchObject({ type: 'codespan', text });
    },
  );

  it('escapes a pipe in a table cell, so the cell holds the whole code', () => {
    const table = marked.lexer(`| a |\n|---|\n| ${mdCode('x|y', { inTable: true })} |`)[0];
    const cell = (table as Tokens.Table).rows[0]![0]!;
    expect(cell.tokens).toMatchObject([{ type: 'codespan', text: 'x|y' }]);
  });

  it('builds the span with backticks, never <code> (inside which Markdown would still render)', () => {
    expect(mdCode('**x**')).toBe('`**x**`');
  });
});

describe('links and images', () => {
  it('makes links of http(s) URLs only', () => {
    expect(inline(mdLink('https://cdn.example/a b(1)|.png', 'a'))).toMatchObject([
      { type: 'link', href: 'https://cdn.example/a%20b%281%29%7C.png', text: 'a' },
    ]);
    for (const url of [
      'javascript:alert(1)',
      'data:image/png;base64,AAAA',
      'file:///etc/passwd',
      'not a url',
    ]) {
      expect(webUrl(url)).toBeUndefined();
      expect(typesIn(inline(mdLink(url, 'label')))).not.toContain('link');
      expect(htmlImage(url, 'x', 64)).toBeUndefined();
    }
  });

  it('writes an image whose attributes cannot be broken out of', () => {
    const html = htmlImage('https://cdn.example/a.png?x="><script>', 'alt "quoted"', 64)!;
    expect(html).not.toMatch(/<script|alt "quoted"/);
    expect(html.match(/<[a-z]+/g)).toEqual(['<a', '<img']);
    expect(html).toContain('height="64"');
  });
});

describe('mdCell and clip', () => {
  it('keeps line breaks of a cell as <br> and its pipes inside it', () => {
    const table = marked.lexer(`| a | b |\n|---|---|\n| ${mdCell('one\ntwo | three')} | z |`)[0];
    expect((table as Tokens.Table).rows[0]!.map((cell) => cell.text)).toEqual([
      'one<br>two | three',
      'z',
    ]);
  });

  it('cuts long text with an ellipsis and never inside a surrogate pair', () => {
    expect(clip('abcdef', 3)).toBe('abc…');
    expect(clip('ab😀', 3)).toBe('ab…');
    expect(clip('short', 10)).toBe('short');
  });
});
