// A job summary as a web page that looks like GitHub's: the Markdown rendered by `marked` (GFM),
// GitHub's alerts (> [!CAUTION]) as GitHub draws them, and the parts of GitHub's markdown
// stylesheet that decide how a summary looks (tables that scroll, code that wraps, image sizes).
import { marked } from 'marked';

const ALERTS: Record<string, [string, string]> = {
  NOTE: ['Note', '#0969da'],
  TIP: ['Tip', '#1a7f37'],
  IMPORTANT: ['Important', '#8250df'],
  WARNING: ['Warning', '#9a6700'],
  CAUTION: ['Caution', '#d1242f'],
};

const STYLE = `
body { margin: 0; background: #f6f8fa; }
.frame { max-width: 880px; margin: 16px auto; background: #fff; border: 1px solid #d1d9e0;
  border-radius: 6px; padding: 24px 32px; }
.markdown-body { font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica,
  Arial, sans-serif; font-size: 14px; line-height: 1.5; color: #1f2328; word-wrap: break-word; }
.markdown-body h2 { font-size: 1.5em; font-weight: 600; padding-bottom: .3em;
  border-bottom: 1px solid #d1d9e0b3; margin: 24px 0 16px; }
.markdown-body h2:first-child { margin-top: 0; }
.markdown-body h3 { font-size: 1.25em; font-weight: 600; margin: 24px 0 16px; }
.markdown-body p, .markdown-body ul, .markdown-body table, .markdown-body blockquote,
.markdown-body .markdown-alert { margin: 0 0 16px; }
.markdown-body ul { padding-left: 2em; }
.markdown-body a { color: #0969da; text-decoration: none; }
.markdown-body code { font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas,
  monospace; font-size: 85%; padding: .2em .4em; margin: 0; white-space: break-spaces;
  background-color: #818b981f; border-radius: 6px; }
.markdown-body table { border-spacing: 0; border-collapse: collapse; display: block;
  width: max-content; max-width: 100%; overflow: auto; }
.markdown-body table th { font-weight: 600; }
.markdown-body table th, .markdown-body table td { padding: 6px 13px; border: 1px solid #d1d9e0; }
.markdown-body table tr { background-color: #fff; border-top: 1px solid #d1d9e0b3; }
.markdown-body table tr:nth-child(2n) { background-color: #f6f8fa; }
.markdown-body img { max-width: 100%; box-sizing: content-box; vertical-align: middle; }
.markdown-body blockquote { padding: 0 1em; color: #59636e; border-left: .25em solid #d1d9e0; }
.markdown-body .markdown-alert { padding: .5rem 1rem; border-left: .25em solid var(--c); }
.markdown-body .markdown-alert > :last-child { margin-bottom: 0; }
.markdown-body .markdown-alert-title { font-weight: 500; color: var(--c); margin-bottom: 4px; }
`;

/** The page for one summary; `title` names it in the tab and above the frame. */
export function summaryPage(markdown: string, title: string): string {
  const body = marked
    .parse(markdown, { async: false, gfm: true })
    .replace(
      /<blockquote>\s*<p>\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]\s*/g,
      (_, kind: string) => {
        const [label, colour] = ALERTS[kind]!;
        return `<blockquote class="markdown-alert" style="--c:${colour}"><p class="markdown-alert-title">${label}</p><p>`;
      },
    );
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${title}</title><style>${STYLE}</style></head>
<body><div class="frame markdown-body">${body}</div></body></html>
`;
}
