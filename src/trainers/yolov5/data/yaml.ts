/**
 * A small YAML reader for the subset YOLOv5 dataset yamls use: block mappings and sequences
 * nested by indentation, flow lists `[a, b]` and flow maps `{0: a}`, plain / single / double
 * quoted scalars, `#` comments, and `|` / `>` block scalars (coco.yaml's `download:` script).
 * Anchors, tags, multi-document streams and multi-line plain scalars are rejected with the line.
 * No yaml package is installed; this keeps the dataset boundary dependency-free.
 */

export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

/** A YAML syntax problem; `line` is 1-based. */
export class YamlSyntaxError extends Error {
  constructor(readonly line: number, readonly detail: string) {
    super(`line ${line}: ${detail}`);
    this.name = 'YamlSyntaxError';
  }
}

interface Line {
  no: number; // 1-based
  indent: number;
  text: string; // comment stripped, trimmed at the end, no indentation
}

/** Parses YAML text of the supported subset into plain values. Throws YamlSyntaxError naming the line. */
export function parseYaml(source: string): YamlValue {
  const raw = source.replace(/^\uFEFF/, '').split(/\r?\n/);
  const reader = new Reader(raw);
  const first = reader.peek();
  if (!first) return null;
  const value = reader.block(first.indent);
  const rest = reader.peek();
  if (rest) throw new YamlSyntaxError(rest.no, `unexpected indentation or content ${JSON.stringify(rest.text)}`);
  return value;
}

class Reader {
  private pos = 0;
  constructor(private readonly raw: string[]) {}

  /** The next meaningful line (skips blanks, comments, `---`), without consuming it. */
  peek(): Line | undefined {
    while (this.pos < this.raw.length) {
      const line = this.raw[this.pos];
      const no = this.pos + 1;
      if (/^\t/.test(line)) throw new YamlSyntaxError(no, 'tabs are not allowed for indentation; use spaces');
      const text = stripComment(line).trimEnd();
      const body = text.trimStart();
      if (body === '' || (text === '---' && no === 1)) {
        this.pos++;
        continue;
      }
      if (text === '---' || text === '...') throw new YamlSyntaxError(no, 'multiple YAML documents are not supported');
      return { no, indent: text.length - body.length, text: body };
    }
    return undefined;
  }

  /** Parses the block (mapping or sequence) whose lines start at exactly `indent`. */
  block(indent: number): YamlValue {
    const line = this.peek()!;
    return isSeqItem(line.text) ? this.sequence(indent) : this.mapping(indent);
  }

  private sequence(indent: number): YamlValue[] {
    const items: YamlValue[] = [];
    for (let line = this.peek(); line && line.indent === indent && isSeqItem(line.text); line = this.peek()) {
      this.pos++;
      const rest = line.text.slice(1).trim();
      if (rest === '') items.push(this.nested(indent, false));
      else if (splitKey(rest, line.no)) throw new YamlSyntaxError(line.no, 'mappings inside "- " list items are not supported; use a flow map {k: v}');
      else items.push(this.inline(rest, line, indent));
    }
    return items;
  }

  private mapping(indent: number): { [key: string]: YamlValue } {
    const map: { [key: string]: YamlValue } = {};
    for (let line = this.peek(); line && line.indent === indent; line = this.peek()) {
      if (isSeqItem(line.text)) break;
      const kv = splitKey(line.text, line.no);
      if (!kv) throw new YamlSyntaxError(line.no, `expected "key: value", got ${JSON.stringify(line.text)}`);
      this.pos++;
      if (Object.prototype.hasOwnProperty.call(map, kv.key)) throw new YamlSyntaxError(line.no, `duplicate key "${kv.key}"`);
      map[kv.key] = kv.value === '' ? this.nested(indent, true) : this.inline(kv.value, line, indent);
    }
    return map;
  }

  /** The value of an empty `key:` or `-`: a deeper block, a same-indent list (mapping values only), or null. */
  private nested(indent: number, allowSameIndentList: boolean): YamlValue {
    const next = this.peek();
    if (!next) return null;
    if (next.indent > indent) return this.block(next.indent);
    if (allowSameIndentList && next.indent === indent && isSeqItem(next.text)) return this.sequence(indent);
    return null;
  }

  /** A value written on the same line as its key: scalar, flow collection or block scalar header. */
  private inline(text: string, line: Line, indent: number): YamlValue {
    if (/^[|>][+-]?$/.test(text)) return this.blockScalar(text, indent);
    if (/^[&*!]/.test(text)) throw new YamlSyntaxError(line.no, `anchors, aliases and tags are not supported (${JSON.stringify(text)})`);
    if (/^[[{]/.test(text)) return parseFlow(this.continueFlow(text, line, indent), line.no);
    const next = this.peek();
    if (next && next.indent > indent) {
      throw new YamlSyntaxError(next.no, `unexpected indented line after a value; multi-line plain scalars are not supported`);
    }
    return parseFlow(text, line.no);
  }

  /** Joins the lines of a flow collection that spans several (deeper-indented) lines. */
  private continueFlow(text: string, line: Line, indent: number): string {
    let joined = text;
    while (bracketDepth(joined, line.no) > 0) {
      const next = this.peek();
      if (!next || next.indent <= indent) {
        throw new YamlSyntaxError(line.no, `flow collection ${JSON.stringify(joined.slice(0, 40))} is not closed`);
      }
      this.pos++;
      joined += ` ${next.text}`;
    }
    return joined;
  }

  /** `|` keeps newlines, `>` folds them to spaces; `-` strips the final newline, `+` keeps all. */
  private blockScalar(header: string, indent: number): string {
    const lines: string[] = [];
    let blockIndent = -1;
    while (this.pos < this.raw.length) {
      const line = this.raw[this.pos];
      const body = line.trimStart();
      const lineIndent = line.length - body.length;
      if (body !== '') {
        if (lineIndent <= indent) break;
        if (blockIndent < 0) blockIndent = lineIndent;
        if (lineIndent < blockIndent) break;
      }
      lines.push(body === '' ? '' : line.slice(blockIndent));
      this.pos++;
    }
    while (lines.length && lines[lines.length - 1] === '' && !header.endsWith('+')) lines.pop();
    const joined = header.startsWith('>') ? lines.join(' ') : lines.join('\n');
    return header.endsWith('-') ? joined : `${joined}\n`;
  }
}

/** Open brackets minus closed ones, outside quotes. */
function bracketDepth(text: string, no: number): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (opensQuote(text, i)) i = closingQuote(text, i, no);
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
  }
  return depth;
}

/** A quote starts a quoted scalar only at the start or after a space or flow indicator (not in `it's`). */
function opensQuote(text: string, i: number): boolean {
  const c = text[i];
  return (c === '"' || c === "'") && (i === 0 || /[\s[{,:]/.test(text[i - 1]));
}

function isSeqItem(text: string): boolean {
  return text === '-' || text.startsWith('- ');
}

/** Removes a `#` comment that is outside quotes and starts a line or follows whitespace. */
function stripComment(line: string): string {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = '';
      else if (c === '\\' && quote === '"') i++;
    } else if (opensQuote(line, i)) {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) {
      return line.slice(0, i);
    }
  }
  return line;
}

/** Splits `key: value` at the first top-level `: ` (or a trailing `:`); undefined when not a pair. */
function splitKey(text: string, no: number): { key: string; value: string } | undefined {
  let i = 0;
  let key: string;
  if (text[0] === '"' || text[0] === "'") {
    const end = closingQuote(text, 0, no);
    key = String(parseScalar(text.slice(0, end + 1), no));
    i = end + 1;
    if (text[i] !== ':') return undefined;
  } else {
    i = text.search(/:(\s|$)/);
    if (i < 0 || /^[[{]/.test(text)) return undefined;
    key = text.slice(0, i).trim();
  }
  return { key, value: text.slice(i + 1).trim() };
}

function closingQuote(text: string, start: number, no: number): number {
  const q = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (q === '"' && text[i] === '\\') i++;
    else if (text[i] === q) {
      if (q === "'" && text[i + 1] === "'") i++;
      else return i;
    }
  }
  throw new YamlSyntaxError(no, `unterminated ${q === '"' ? 'double' : 'single'}-quoted string`);
}

/** Parses a scalar or a (possibly nested) flow collection written on one line. */
function parseFlow(text: string, no: number): YamlValue {
  const t = text.trim();
  if (t.startsWith('[') || t.startsWith('{')) {
    const close = t[0] === '[' ? ']' : '}';
    if (!t.endsWith(close)) throw new YamlSyntaxError(no, `flow collection ${JSON.stringify(t)} does not end with "${close}"`);
    const parts = splitTopLevel(t.slice(1, -1), no);
    if (t[0] === '[') return parts.map((p) => parseFlow(p, no));
    const map: { [key: string]: YamlValue } = {};
    for (const part of parts) {
      const kv = splitKey(part, no);
      if (!kv) throw new YamlSyntaxError(no, `expected "key: value" in flow map, got ${JSON.stringify(part)}`);
      if (Object.prototype.hasOwnProperty.call(map, kv.key)) throw new YamlSyntaxError(no, `duplicate key "${kv.key}"`);
      map[kv.key] = kv.value === '' ? null : parseFlow(kv.value, no);
    }
    return map;
  }
  return parseScalar(t, no);
}

/** Splits on commas at bracket depth 0, outside quotes; drops one trailing empty item (`[a, b,]`). */
function splitTopLevel(body: string, no: number): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (opensQuote(body, i)) i = closingQuote(body, i, no);
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(body.slice(start, i).trim());
      start = i + 1;
    }
  }
  if (depth !== 0) throw new YamlSyntaxError(no, 'unbalanced brackets in flow collection');
  const last = body.slice(start).trim();
  if (last !== '' || parts.length) parts.push(last);
  if (parts.length && parts[parts.length - 1] === '') parts.pop();
  if (parts.some((p) => p === '')) throw new YamlSyntaxError(no, 'empty item in flow collection');
  return parts;
}

function parseScalar(t: string, no: number): YamlValue {
  if (t.startsWith('"')) {
    if (closingQuote(t, 0, no) !== t.length - 1) throw new YamlSyntaxError(no, `unexpected text after quoted string ${t}`);
    try {
      return JSON.parse(t) as string;
    } catch {
      throw new YamlSyntaxError(no, `invalid escape in double-quoted string ${t}`);
    }
  }
  if (t.startsWith("'")) {
    if (closingQuote(t, 0, no) !== t.length - 1) throw new YamlSyntaxError(no, `unexpected text after quoted string ${t}`);
    return t.slice(1, -1).replace(/''/g, "'");
  }
  if (t === '' || t === '~' || /^(null|Null|NULL)$/.test(t)) return null;
  if (/^(true|True|TRUE)$/.test(t)) return true;
  if (/^(false|False|FALSE)$/.test(t)) return false;
  if (/^[-+]?(0|[1-9][0-9_]*)$/.test(t)) return Number(t.replace(/_/g, ''));
  if (/^[-+]?(\d[\d_]*\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return Number(t.replace(/_/g, ''));
  if (/^[-+]?\.(inf|Inf|INF)$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^\.(nan|NaN|NAN)$/.test(t)) return NaN;
  return t;
}
