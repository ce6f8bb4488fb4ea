import type { Child } from 'hono/jsx';

/**
 * A small Markdown renderer for model answers: paragraphs, headings, fenced and inline code,
 * bold, italic, lists, quotes and links. It builds elements, never HTML text, so whatever the
 * model writes (`<script>`, `<img onerror>`) is shown as the characters it is: the only way
 * markup reaches the page is through the few elements made here. Links keep http(s) and
 * mailto targets only and open in a new tab without the opener.
 *
 * Half-finished syntax while the answer streams (an unclosed `**` or fence) renders as text
 * or as a code block still growing, and settles when the rest arrives.
 */
export function Markdown({ text }: { text: string }) {
  return <div class="markdown">{blocks(text)}</div>;
}

const SAFE_LINK = /^(https?:\/\/|mailto:)/i;

/** Inline spans: `code`, **bold**, *italic* / _italic_, [text](url), bare URLs. */
export function inline(text: string): Child[] {
  const out: Child[] = [];
  const pattern =
    /(`+)([^`]+?)\1|\*\*([^*]+?)\*\*|__([^_]+?)__|\*([^*\s][^*]*?)\*|\b_([^_\s][^_]*?)_\b|\[([^\]]+)\]\(([^)\s]+)\)|(https?:\/\/[^\s<>()]+[^\s<>().,;:!?'"])/g;
  let last = 0;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    if (match.index > last) out.push(text.slice(last, match.index));
    const [whole, , code, bold, bold2, italic, italic2, label, href, bare] = match;
    if (code !== undefined) out.push(<code>{code}</code>);
    else if (bold !== undefined || bold2 !== undefined) out.push(<strong>{inline(bold ?? bold2 ?? '')}</strong>);
    else if (italic !== undefined || italic2 !== undefined) out.push(<em>{inline(italic ?? italic2 ?? '')}</em>);
    else if (label !== undefined && href !== undefined) {
      out.push(
        SAFE_LINK.test(href) ? (
          <a href={href} target="_blank" rel="noopener noreferrer nofollow">
            {inline(label)}
          </a>
        ) : (
          whole
        ),
      );
    } else if (bare !== undefined) {
      out.push(
        <a href={bare} target="_blank" rel="noopener noreferrer nofollow">
          {bare}
        </a>,
      );
    } else out.push(whole);
    last = match.index + whole.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

const FENCE = /^\s*(```|~~~)\s*([\w+-]*)\s*$/;
const HEADING = /^(#{1,6})\s+(.*)$/;
const BULLET = /^\s*[-*+]\s+(.*)$/;
const NUMBERED = /^\s*(\d{1,9})[.)]\s+(.*)$/;
const QUOTE = /^\s*>\s?(.*)$/;
const RULE = /^\s*([-*_])(\s*\1){2,}\s*$/;

function blocks(text: string): Child[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const out: Child[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    const fence = FENCE.exec(line);
    if (fence) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !(lines[i] ?? '').trim().startsWith(fence[1] ?? '```')) body.push(lines[i++] ?? '');
      i++;
      out.push(
        <pre class="markdown-code" data-language={fence[2] || undefined}>
          <code>{body.join('\n')}</code>
        </pre>,
      );
      continue;
    }
    if (!line.trim()) {
      i++;
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      // Answers sit under the page's own headings: # becomes h3, and so on down.
      const level = Math.min(6, (heading[1]?.length ?? 1) + 2);
      const content = inline(heading[2] ?? '');
      out.push(
        level === 3 ? (
          <h3>{content}</h3>
        ) : level === 4 ? (
          <h4>{content}</h4>
        ) : level === 5 ? (
          <h5>{content}</h5>
        ) : (
          <h6>{content}</h6>
        ),
      );
      i++;
      continue;
    }
    if (RULE.test(line)) {
      out.push(<hr />);
      i++;
      continue;
    }
    if (BULLET.test(line) || NUMBERED.test(line)) {
      const ordered = !BULLET.test(line);
      const itemPattern = ordered ? NUMBERED : BULLET;
      const start = ordered ? Number(NUMBERED.exec(line)?.[1] ?? 1) : 1;
      const items: Child[] = [];
      while (i < lines.length && itemPattern.test(lines[i] ?? '')) {
        const match = itemPattern.exec(lines[i] ?? '');
        items.push(<li>{inline((ordered ? match?.[2] : match?.[1]) ?? '')}</li>);
        i++;
      }
      out.push(ordered ? <ol start={start === 1 ? undefined : start}>{items}</ol> : <ul>{items}</ul>);
      continue;
    }
    if (QUOTE.test(line)) {
      const quoted: string[] = [];
      while (i < lines.length && QUOTE.test(lines[i] ?? '')) quoted.push(QUOTE.exec(lines[i++] ?? '')?.[1] ?? '');
      out.push(<blockquote>{blocks(quoted.join('\n'))}</blockquote>);
      continue;
    }
    const paragraph: string[] = [];
    while (i < lines.length) {
      const next = lines[i] ?? '';
      if (!next.trim() || FENCE.test(next) || HEADING.test(next) || BULLET.test(next) || NUMBERED.test(next)) break;
      if (QUOTE.test(next) || RULE.test(next)) break;
      paragraph.push(next);
      i++;
    }
    const parts: Child[] = [];
    paragraph.forEach((text, index) => {
      if (index > 0) parts.push(<br />);
      parts.push(...inline(text));
    });
    out.push(<p>{parts}</p>);
  }
  return out;
}
