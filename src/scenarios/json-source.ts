/**
 * A strict JSON reader for scenario files that remembers where every value starts, so that a
 * validation error can name the line and column of the bad field, and a syntax error its exact
 * position. It also rejects what `JSON.parse` lets through silently: duplicate keys.
 *
 * Scenario files are data: nothing in them is executed.
 *
 * @module
 */

import { EsaError } from '../core/errors.js';

/** A position in a text, 1-based. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/** A parsed JSON document and the position of every value, by JSON path (`subscriptions[0].facility`). */
export interface JsonSource {
  /** The parsed value (plain objects, arrays, strings, numbers, booleans, null). */
  readonly value: unknown;
  /** Where each value starts, by path (`''` is the document itself). */
  readonly positions: ReadonlyMap<string, SourcePosition>;
  /** The name used in messages (a file path, or `scenario`). */
  readonly name: string;
}

/** The largest scenario text accepted, in characters. */
export const MAX_SCENARIO_TEXT_CHARS = 10 * 1024 * 1024;

/** The deepest nesting accepted. */
const MAX_DEPTH = 64;

/**
 * Parses `text` as strict JSON (RFC 8259), recording where each value starts.
 *
 * @param name - how the source is named in messages. @default 'scenario'
 * @throws EsaError `ESA_ERR_INVALID_SCENARIO` naming the line, the column and what was expected
 * (`scenario.json:3:7: invalid JSON: expected ',' or '}' after a property value; found '"'`), also
 * for a duplicate key.
 */
export function parseJsonSource(text: string, name = 'scenario'): JsonSource {
  if (typeof text !== 'string') throw new EsaError('ESA_ERR_INVALID_SCENARIO', `${name}: expected JSON text`);
  if (text.length > MAX_SCENARIO_TEXT_CHARS) {
    throw new EsaError('ESA_ERR_INVALID_SCENARIO', `${name}: the scenario is ${text.length} characters long; at most ${MAX_SCENARIO_TEXT_CHARS} are accepted`);
  }
  const reader = new Reader(text, name);
  // A byte order mark is allowed before the document.
  if (text.charCodeAt(0) === 0xfeff) reader.index = 1;
  reader.skipSpace();
  const value = reader.value('', 0);
  reader.skipSpace();
  if (reader.index < text.length) reader.fail('expected the end of the document');
  return { value, positions: reader.positions, name };
}

/** The 1-based line and column of `index` in `text`. */
export function positionOf(text: string, index: number): SourcePosition {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(index, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/** The path of a child value: `a.b`, `a[0]`. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

class Reader {
  readonly text: string;
  readonly name: string;
  readonly positions = new Map<string, SourcePosition>();
  index = 0;
  #line = 1;
  #lineStart = 0;
  #scanned = 0;

  constructor(text: string, name: string) {
    this.text = text;
    this.name = name;
  }

  /** Line/column of the current index (incremental: the reader only moves forward). */
  position(): SourcePosition {
    const { text } = this;
    for (let i = this.#scanned; i < this.index; i++) {
      if (text.charCodeAt(i) === 10) {
        this.#line++;
        this.#lineStart = i + 1;
      }
    }
    this.#scanned = Math.max(this.#scanned, this.index);
    return { line: this.#line, column: this.index - this.#lineStart + 1 };
  }

  fail(expected: string): never {
    const { line, column } = positionOf(this.text, this.index);
    const found = this.index >= this.text.length ? 'the end of the text' : JSON.stringify(this.text.slice(this.index, this.index + 12));
    throw new EsaError('ESA_ERR_INVALID_SCENARIO', `${this.name}:${line}:${column}: invalid JSON: ${expected}; found ${found}`);
  }

  skipSpace(): void {
    const { text } = this;
    while (this.index < text.length) {
      const c = text.charCodeAt(this.index);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.index++;
      else break;
    }
  }

  value(path: string, depth: number): unknown {
    if (depth > MAX_DEPTH) this.fail(`at most ${MAX_DEPTH} levels of nesting`);
    this.positions.set(path, this.position());
    const c = this.text[this.index];
    switch (c) {
      case '{':
        return this.object(path, depth);
      case '[':
        return this.array(path, depth);
      case '"':
        return this.string();
      case 't':
        return this.literal('true', true);
      case 'f':
        return this.literal('false', false);
      case 'n':
        return this.literal('null', null);
      default:
        if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
        return this.fail('expected a value (an object, array, string, number, true, false or null)');
    }
  }

  object(path: string, depth: number): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    this.index++;
    this.skipSpace();
    if (this.text[this.index] === '}') {
      this.index++;
      return result;
    }
    for (;;) {
      if (this.text[this.index] !== '"') this.fail('expected a property name in double quotes');
      const keyStart = this.index;
      const key = this.string();
      if (Object.hasOwn(result, key)) {
        this.index = keyStart;
        this.fail(`duplicate key ${JSON.stringify(key)} in ${path === '' ? 'the document' : path}`);
      }
      this.skipSpace();
      if (this.text[this.index] !== ':') this.fail("expected ':' after a property name");
      this.index++;
      this.skipSpace();
      const value = this.value(childPath(path, key), depth + 1);
      // defineProperty: a "__proto__" key stays a plain own property.
      Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
      this.skipSpace();
      const next = this.text[this.index];
      if (next === ',') {
        this.index++;
        this.skipSpace();
        continue;
      }
      if (next === '}') {
        this.index++;
        return result;
      }
      this.fail("expected ',' or '}' after a property value");
    }
  }

  array(path: string, depth: number): unknown[] {
    const result: unknown[] = [];
    this.index++;
    this.skipSpace();
    if (this.text[this.index] === ']') {
      this.index++;
      return result;
    }
    for (;;) {
      result.push(this.value(childPath(path, result.length), depth + 1));
      this.skipSpace();
      const next = this.text[this.index];
      if (next === ',') {
        this.index++;
        this.skipSpace();
        continue;
      }
      if (next === ']') {
        this.index++;
        return result;
      }
      this.fail("expected ',' or ']' after an array element");
    }
  }

  string(): string {
    const { text } = this;
    const start = this.index + 1;
    let i = start;
    let out = '';
    let runStart = start;
    for (;;) {
      if (i >= text.length) {
        this.index = i;
        this.fail('expected a closing \'"\'');
      }
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(runStart, i);
        this.index = i + 1;
        return out;
      }
      if (c < 0x20) {
        this.index = i;
        this.fail('expected an escaped control character (\\n, \\t, \\u0000…) inside a string');
      }
      if (c === 0x5c) {
        out += text.slice(runStart, i);
        const e = text[i + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e !== undefined && Object.hasOwn(simple, e)) {
          out += simple[e];
          i += 2;
        } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(Number.parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
        } else {
          this.index = i;
          this.fail('expected a valid escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX)');
        }
        runStart = i;
        continue;
      }
      i++;
    }
  }

  number(): number {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(this.text.slice(this.index, this.index + 400));
    if (!match) this.fail('expected a number');
    const value = Number(match[0]);
    if (!Number.isFinite(value)) this.fail('expected a finite number');
    this.index += match[0].length;
    return value;
  }

  literal<T>(word: string, value: T): T {
    if (this.text.startsWith(word, this.index)) {
      this.index += word.length;
      return value;
    }
    return this.fail('expected a value (an object, array, string, number, true, false or null)');
  }
}
