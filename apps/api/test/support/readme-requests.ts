import { readFileSync } from 'node:fs';
import path from 'node:path';

/** One `curl` of the README, with the answer the README shows for it. */
export interface ReadmeRequest {
  /** The command as written (continuation lines joined). */
  command: string;
  method: string;
  /** With `$VARS` still in it. */
  url: string;
  headers: Record<string, string>;
  body?: string;
  expectedStatus: number;
  /** The README's example answer: JSON with `...` elisions, read for its field names. */
  exampleAnswer: string;
}

const readmePath = path.resolve(import.meta.dirname, '../../../../README.md');

/** The lines of a section of the README, from its `## ` heading to the next one. */
export function readmeSection(heading: string): string {
  const text = readFileSync(readmePath, 'utf8');
  const start = text.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README has no section ${heading}`);
  const end = text.indexOf('\n## ', start + 4);
  return text.slice(start, end < 0 ? undefined : end);
}

/** Splits a command line as a POSIX shell would for the quoting the README uses ('...', "..." with \"). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i] ?? '';
    if (char === "'") {
      const end = line.indexOf("'", i + 1);
      word += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (char === '"') {
      for (i++; i < line.length && line[i] !== '"'; i++) {
        if (line[i] === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) i++;
        word += line[i];
      }
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

function parseCurl(command: string): Omit<ReadmeRequest, 'expectedStatus' | 'exampleAnswer'> {
  const words = shellWords(command);
  if (words[0] !== 'curl') throw new Error(`not a curl: ${command}`);
  let method: string | undefined;
  let url: string | undefined;
  let body: string | undefined;
  const headers: Record<string, string> = {};
  for (let i = 1; i < words.length; i++) {
    const word = words[i] ?? '';
    if (word === '-s') continue;
    if (word === '-X') method = words[++i];
    else if (word === '-H') {
      const [name, ...value] = (words[++i] ?? '').split(':');
      headers[(name ?? '').trim().toLowerCase()] = value.join(':').trim();
    } else if (word === '-d') body = words[++i];
    else if (!word.startsWith('-') && url === undefined) url = word;
    else throw new Error(`a curl option the walk-through test does not know: ${word} in ${command}`);
  }
  if (!url) throw new Error(`no URL in ${command}`);
  return { command, method: method ?? (body === undefined ? 'GET' : 'POST'), url, headers, body };
}

/** Every curl in the section's shell blocks, in order, each with the `# <status> <answer>` lines after it. */
export function readmeRequests(section: string): ReadmeRequest[] {
  const requests: ReadmeRequest[] = [];
  for (const block of section.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const lines = (block[1] ?? '').replace(/\\\n\s*/g, ' ').split('\n');
    lines.forEach((line, n) => {
      if (!line.startsWith('curl ')) return;
      const comments: string[] = [];
      for (let k = n + 1; k < lines.length && (lines[k] ?? '').startsWith('#'); k++) {
        comments.push((lines[k] ?? '').replace(/^#\s*/, ''));
      }
      const shown = /^(\d{3})\s+([\s\S]*)$/.exec(comments.join(' '));
      if (!shown) throw new Error(`the README shows no "# <status> <answer>" after: ${line}`);
      requests.push({ ...parseCurl(line), expectedStatus: Number(shown[1]), exampleAnswer: shown[2] ?? '' });
    });
  }
  return requests;
}

/** The field names of the README's example answer (`"name":`), each of which the real answer must have. */
export function exampleFieldNames(exampleAnswer: string): string[] {
  return [...new Set([...exampleAnswer.matchAll(/"([A-Za-z_][A-Za-z0-9_]*)":/g)].map((m) => m[1] ?? ''))];
}

/** Every field name anywhere in a JSON value. */
export function fieldNamesIn(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) fieldNamesIn(item, into);
  else if (value && typeof value === 'object') {
    for (const [name, child] of Object.entries(value)) {
      into.add(name);
      fieldNamesIn(child, into);
    }
  }
  return into;
}
