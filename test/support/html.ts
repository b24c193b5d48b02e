/** Small HTML probes for tests: enough to tell real markup from escaped text, not a full parser. */

export interface Tag {
  name: string;
  attrs: Record<string, string>;
}

function decodeEntities(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);?/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);?/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&colon;/gi, ':')
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Every real start tag in `html` with its attributes (values entity-decoded). Escaped text (`&lt;…`) is not a tag. */
export function tagsIn(html: string): Tag[] {
  const tags: Tag[] = [];
  for (const m of html.matchAll(/<([a-zA-Z][\w-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g)) {
    const attrs: Record<string, string> = {};
    for (const a of m[2]!.matchAll(/([^\s=/"'>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g)) {
      attrs[a[1]!.toLowerCase()] = decodeEntities(a[2] ?? a[3] ?? a[4] ?? '');
    }
    tags.push({ name: m[1]!.toLowerCase(), attrs });
  }
  return tags;
}

/** What in `html` could run script: script-like elements, on* handlers, javascript:/data: URLs. Empty when inert. */
export function activeContent(html: string): string[] {
  const found: string[] = [];
  for (const t of tagsIn(html)) {
    if (['script', 'iframe', 'object', 'embed', 'frame', 'frameset', 'svg', 'math', 'style', 'link', 'meta', 'base', 'form'].includes(t.name)) found.push(`<${t.name}>`);
    for (const [name, value] of Object.entries(t.attrs)) {
      if (name.startsWith('on')) found.push(`${t.name}[${name}]`);
      // eslint-disable-next-line no-control-regex -- browsers ignore these inside a scheme, so must we
      const v = value.replace(/[\u0000-\u0020]/g, '').toLowerCase();
      if (['href', 'src', 'action', 'formaction', 'xlink:href', 'srcset', 'poster', 'data'].includes(name) && /^(javascript|vbscript|data):/.test(v)) found.push(`${t.name}[${name}=${value}]`);
    }
  }
  return found;
}

/** The inner HTML of the first element whose opening tag contains `marker` (e.g. `class="lesson-body"`), up to its matching close. */
export function section(html: string, marker: string): string {
  const start = html.indexOf(marker);
  if (start < 0) throw new Error(`no element with ${marker} on the page`);
  const open = html.lastIndexOf('<', start);
  const name = /^<([a-zA-Z][\w-]*)/.exec(html.slice(open))![1]!;
  const bodyStart = html.indexOf('>', start) + 1;
  const re = new RegExp(`<(/?)${name}\\b[^>]*>`, 'g');
  re.lastIndex = bodyStart;
  let depth = 1;
  for (let m = re.exec(html); m; m = re.exec(html)) {
    depth += m[1] ? -1 : 1;
    if (depth === 0) return html.slice(bodyStart, m.index);
  }
  throw new Error(`unclosed <${name}> with ${marker}`);
}
