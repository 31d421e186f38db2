/**
 * Reads the README's runnable examples (the convention is written in the README, "Using it"):
 *
 * - In a fenced ```sh block, every command starting with `curl` to the gateway
 *   (`http://127.0.0.1:3000`) is an example. `\` continues a line; single quotes may span lines.
 *   Supported options: `-s`, `-S`, `-i` (and combined, `-si`), `-X METHOD`, `-H 'Name: value'`,
 *   `-d`/`--data`/`--data-raw BODY`. `NAME=$(curl … | jq -r .field)` keeps a field of the JSON answer
 *   in `$NAME` for later double-quoted arguments. The expected status is any 2xx, or the one a comment
 *   line just above the command gives as `→ NNN`.
 * - Every operation of a fenced ```graphql block is an example, sent as the whole block with its
 *   `operationName` (as Playground does) with the key a `# X-Api-Key: …` line in the block names, or
 *   `demo-admin-key`. It must answer data and no errors.
 *
 * Examples run in README order. Anything else in a block (`npm start`, comments, other hosts) is
 * left alone; an unsupported curl option fails the parse, so the README stays runnable.
 */

export const README_ORIGIN = 'http://127.0.0.1:3000';
const DEFAULT_GRAPHQL_KEY = 'demo-admin-key';

export interface CurlExample {
  kind: 'curl';
  /** 1-based line of the command in the README. */
  line: number;
  source: string;
  method: string;
  /** May contain `$NAME` references, expanded when run. */
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** Expected status, or undefined for any 2xx. */
  status?: number;
  /** `NAME=$(curl … | jq -r .path)`: where to keep which field of the answer. */
  assign?: { name: string; path: string[] };
}

export interface GraphqlExample {
  kind: 'graphql';
  line: number;
  operationName: string;
  document: string;
  apiKey: string;
}

export type ReadmeExample = CurlExample | GraphqlExample;

interface Block {
  lang: string;
  /** Line (1-based) of the first line inside the fence. */
  line: number;
  lines: string[];
}

function fencedBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  let current: Block | undefined;
  markdown.split('\n').forEach((text, index) => {
    const fence = /^```(\S*)\s*$/.exec(text);
    if (fence && current === undefined) {
      current = { lang: fence[1], line: index + 2, lines: [] };
    } else if (fence && fence[1] === '') {
      blocks.push(current!);
      current = undefined;
    } else {
      current?.lines.push(text);
    }
  });
  return blocks;
}

/** `$NAME` outside single quotes is kept for `expand` between two private-use marks. */
const MARK = '\uE000';
const MARKED = new RegExp(`${MARK}(\\w+)${MARK}`, 'g');
const variables = (text: string): string => text.replace(/\$\{?([A-Za-z_]\w*)\}?/g, `${MARK}$1${MARK}`);

/** Splits a shell command into words; `$NAME` is kept for `expand` outside single quotes. */
export function shellWords(command: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < command.length; i += 1) {
    const c = command[i];
    if (c === "'") {
      const end = command.indexOf("'", i + 1);
      if (end < 0) {
        throw new Error(`unterminated ' in: ${command}`);
      }
      word = (word ?? '') + command.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      const end = command.indexOf('"', i + 1);
      if (end < 0) {
        throw new Error(`unterminated " in: ${command}`);
      }
      word = (word ?? '') + variables(command.slice(i + 1, end)).replace(/\\(["\\`])/g, '$1');
      i = end;
    } else if (c === '\\' && command[i + 1] === '\n') {
      i += 1;
    } else if (/\s/.test(c)) {
      if (word !== undefined) {
        words.push(word);
        word = undefined;
      }
    } else if (c === '$') {
      const name = /^\$\{?[A-Za-z_]\w*\}?/.exec(command.slice(i))?.[0] ?? '$';
      word = (word ?? '') + variables(name);
      i += name.length - 1;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== undefined) {
    words.push(word);
  }
  return words;
}

export function parseCurl(command: string, line: number, status?: number): CurlExample {
  let source = command;
  let assign: CurlExample['assign'];
  const substitution = /^([A-Za-z_]\w*)=\$\(([\s\S]*)\s*\|\s*jq -r (\.[\w.]+)\s*\)$/.exec(command.trim());
  if (substitution) {
    assign = { name: substitution[1], path: substitution[3].split('.').filter(Boolean) };
    source = substitution[2];
  }
  const words = shellWords(source);
  if (words[0] !== 'curl') {
    throw new Error(`README line ${line}: not a curl command: ${command}`);
  }
  let method: string | undefined;
  let url: string | undefined;
  let body: string | undefined;
  const headers: Record<string, string> = {};
  for (let i = 1; i < words.length; i += 1) {
    const w = words[i];
    if (/^-[sSi]+$/.test(w)) {
      continue;
    } else if (w === '-X' || w === '--request') {
      method = words[++i];
    } else if (w === '-H' || w === '--header') {
      const header = words[++i] ?? '';
      const colon = header.indexOf(':');
      if (colon < 1) {
        throw new Error(`README line ${line}: malformed header ${header}`);
      }
      headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
    } else if (w === '-d' || w === '--data' || w === '--data-raw') {
      body = words[++i];
    } else if (!w.startsWith('-') && url === undefined) {
      url = w;
    } else {
      throw new Error(`README line ${line}: curl option ${w} is not part of the README convention`);
    }
  }
  if (url === undefined) {
    throw new Error(`README line ${line}: curl without a URL`);
  }
  return {
    kind: 'curl',
    line,
    source: command,
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    url,
    headers,
    ...(body === undefined ? {} : { body }),
    ...(status === undefined ? {} : { status }),
    ...(assign ? { assign } : {}),
  };
}

function shellExamples(block: Block): CurlExample[] {
  const out: CurlExample[] = [];
  let comments: string[] = [];
  for (let i = 0; i < block.lines.length; i += 1) {
    const text = block.lines[i];
    if (text.trim().startsWith('#')) {
      comments.push(text);
      continue;
    }
    if (!/^(?:[A-Za-z_]\w*=\$\()?curl\s/.test(text.trim())) {
      comments = [];
      continue;
    }
    const start = i;
    let command = text;
    // Continue while the line ends in `\` or a single quote is still open.
    while (
      (/\\$/.test(command) || (command.match(/'/g) ?? []).length % 2 === 1) &&
      i + 1 < block.lines.length
    ) {
      i += 1;
      command += `\n${block.lines[i]}`;
    }
    const expected = comments.map((c) => /→\s*(\d{3})\b/.exec(c)?.[1]).find((s) => s !== undefined);
    const example = parseCurl(
      command,
      block.line + start,
      expected === undefined ? undefined : Number(expected),
    );
    if (example.url.startsWith(`${README_ORIGIN}/`)) {
      out.push(example);
    }
    comments = [];
  }
  return out;
}

function graphqlExamples(block: Block): GraphqlExample[] {
  const document = block.lines.join('\n');
  const apiKey = /^#\s*X-Api-Key:\s*(\S+)/m.exec(document)?.[1] ?? DEFAULT_GRAPHQL_KEY;
  const out: GraphqlExample[] = [];
  block.lines.forEach((text, index) => {
    const operation = /^(query|mutation)\s+([A-Za-z_]\w*)/.exec(text);
    if (operation) {
      out.push({ kind: 'graphql', line: block.line + index, operationName: operation[2], document, apiKey });
    } else if (/^(query|mutation|subscription)\b|^\{/.test(text)) {
      throw new Error(`README line ${block.line + index}: give every GraphQL operation a name`);
    }
  });
  return out;
}

/** The README's runnable examples, in order. */
export function readmeExamples(markdown: string): ReadmeExample[] {
  return fencedBlocks(markdown).flatMap((block): ReadmeExample[] => {
    if (block.lang === 'sh' || block.lang === 'bash' || block.lang === 'shell') {
      return shellExamples(block);
    }
    if (block.lang === 'graphql') {
      return graphqlExamples(block);
    }
    return [];
  });
}

/** Expands the `$NAME` references `shellWords` kept; an unknown name is an error. */
export function expand(text: string, vars: Record<string, string>): string {
  return text.replace(MARKED, (_, name: string) => {
    const value = vars[name];
    if (value === undefined) {
      throw new Error(`$${name} is not set by an earlier example`);
    }
    return value;
  });
}

/** `text` with its kept references shown as `$NAME` again (for test titles and messages). */
export function showVariables(text: string): string {
  return text.replace(MARKED, '$$$1');
}
