/**
 * The judge of a chaos run: does the ledger agree with what the receiver kept, line by line?
 *
 * Inputs are the lines the subscription was asked to forward (by ledger id, each with the frames
 * a receiver records for it: one per part of a long-line rule, and with LF framing one per
 * embedded line), the ledger's fate runs, the receiver's records, and the logfile lines the
 * subscription sent (header, rollover trailer: they are not ledger lines).
 *
 * The checks, per distinct frame text `t`:
 * - every record must be a frame of some line or a logfile line (no invented or corrupted text);
 * - records(t) ≥ Σ over lines the ledger calls delivered of their frames equal to t (delivered
 *   once: 1, "more than once": 2): the ledger claims nothing the receiver lacks;
 * - records(t) is exactly that sum unless t may legitimately appear more often: a frame of a line
 *   delivered more than once (a third copy is possible), or a leading frame of a multi-frame line
 *   (a connection cut between two frames of one line delivers part of it; the line is not
 *   delivered, nor delivered again, until its last frame is);
 * - a line whose rule sent nothing (long-line `drop`) is never delivered.
 * Records cut by a `truncate` fault or by `maxMessageBytes` are matched by prefix: a bipartite
 * matching assigns them to the frames still short of records, the rest to logfile lines or to
 * frames that may appear more often.
 */
import { encodeUtf8 } from '../../../src/core/framing.js';
import type { FateRun } from '../../../src/core/ledger.js';

/** One ledger line, as the receiver would record it. */
export interface JudgedLine {
  /** The frames a receiver records for it, in order (empty: the sender's rule sent nothing). */
  readonly frames: readonly string[];
}

/** One record of the receiver. */
export interface JudgedRecord {
  /** The text as kept. */
  readonly raw: string;
  /** Bytes kept. */
  readonly byteLength: number;
  /** Whether the text is a cut prefix (a `truncate` fault or `maxMessageBytes`). */
  readonly isCut: boolean;
  /**
   * Whether it was the last record of a TCP connection the peer ended (FIN): a sender that gave
   * up on a write (timeout) destroys its socket, and what the kernel had buffered still goes out,
   * cut anywhere, followed by FIN; the receiver keeps that trailing partial frame.
   */
  readonly isTrailing?: boolean;
}

/** Options of {@link judge}. */
export interface JudgeOptions {
  /**
   * UDP: the parts of a split line are separate datagrams; the ledger calls the line delivered
   * when its last datagram arrived (as a TCP line when its last frame did), earlier ones may be lost.
   * @default false
   */
  readonly isDatagram?: boolean;
}

/** What the judge found. */
export interface Verdict {
  /** Problems found; empty when the ledger and the records agree. */
  readonly problems: string[];
  /** Content records (not logfile lines). */
  readonly contentRecords: number;
  /** Records that were cut prefixes. */
  readonly cutRecords: number;
  /** Records assigned to logfile lines. */
  readonly logfileRecords: number;
  /** Trailing partial frames (prefixes of a line cut by a sender's destroy, see {@link JudgedRecord.isTrailing}). */
  readonly fragments: number;
}

interface TextInfo {
  /** Records the ledger's delivered lines account for. */
  required: number;
  /** Whether more records than required are legitimate. */
  mayExceed: boolean;
  /** Records seen (exact, then assigned cut ones). */
  seen: number;
  isLogfile: boolean;
}

/** At most this many problems are listed (a broken run would print thousands). */
const MAX_PROBLEMS = 12;

/**
 * Judges one run. `fates` are the ledger's runs for the stream (`LedgerStream.fates()`), `lines`
 * indexed by ledger id, `logfileLines` every logfile line sent (any number of times).
 */
export function judge(
  lines: readonly JudgedLine[],
  fates: Iterable<FateRun>,
  records: readonly JudgedRecord[],
  logfileLines: Iterable<string>,
  options: JudgeOptions = {},
): Verdict {
  const problems: string[] = [];
  const problem = (text: string): void => {
    if (problems.length < MAX_PROBLEMS) problems.push(text);
    else if (problems.length === MAX_PROBLEMS) problems.push('… more problems not listed');
  };
  const texts = new Map<string, TextInfo>();
  const info = (text: string): TextInfo => {
    let entry = texts.get(text);
    if (entry === undefined) {
      entry = { required: 0, mayExceed: false, seen: 0, isLogfile: false };
      texts.set(text, entry);
    }
    return entry;
  };
  for (const text of logfileLines) {
    const entry = info(text);
    entry.isLogfile = true;
    entry.mayExceed = true;
  }
  let covered = 0;
  for (const run of fates) {
    if (run.from !== covered) problem(`the ledger's fate runs skip ids ${covered}..${run.from - 1}`);
    covered = run.to;
    if (run.fate === 'pending') problem(`lines ${run.from}..${run.to - 1} are still pending after every close`);
    if (run.fate === 'delivered' && run.deliveries === 0) problem(`lines ${run.from}..${run.to - 1} are delivered with 0 deliveries`);
    if (run.fate !== 'delivered' && run.deliveries !== 0) problem(`lines ${run.from}..${run.to - 1} are ${run.fate} but were received ${run.deliveries} time(s)`);
    for (let id = run.from; id < run.to; id++) {
      const line = lines[id];
      if (line === undefined) {
        problem(`the ledger has line ${id}, the test knows ${lines.length} lines`);
        break;
      }
      const frames = line.frames;
      if (frames.length === 0 && run.deliveries > 0) problem(`line ${id} was never sent (long-line rule) but the ledger says ${run.fate}`);
      frames.forEach((frame, index) => {
        const entry = info(frame);
        const isLast = index === frames.length - 1;
        // Datagrams: a line is delivered when its last datagram is; earlier parts may be lost.
        if (isLast || options.isDatagram !== true) entry.required += run.deliveries;
        if (run.deliveries === 2 || !isLast) entry.mayExceed = true;
      });
    }
  }
  if (covered !== lines.length) problem(`the ledger knows ${covered} lines, the subscription queued ${lines.length}`);

  // Exact records first.
  const cut: JudgedRecord[] = [];
  const fragments: JudgedRecord[] = [];
  for (const record of records) {
    if (record.isCut) {
      cut.push(record);
      continue;
    }
    const entry = texts.get(record.raw);
    if (entry === undefined && record.isTrailing === true) {
      fragments.push(record);
      continue;
    }
    if (entry === undefined) {
      problem(`the receiver kept ${JSON.stringify(clip(record.raw))}, which no line or logfile line of the run has`);
      continue;
    }
    entry.seen++;
  }
  for (const [text, entry] of texts) {
    if (entry.seen > entry.required && !entry.mayExceed) {
      problem(`${JSON.stringify(clip(text))}: the receiver kept it ${entry.seen} time(s), the ledger accounts for ${entry.required}`);
    }
  }
  const prefixes = new PrefixIndex(texts.keys());
  assignCutRecords(cut, texts, prefixes, problem);
  for (const record of fragments) {
    if (prefixes.candidates(record).length === 0) {
      problem(`the receiver kept a trailing partial frame ${JSON.stringify(clip(record.raw))} (${record.byteLength} bytes) that is no prefix of any line of the run`);
    }
  }
  let logfileRecords = 0;
  for (const [text, entry] of texts) {
    if (entry.isLogfile) logfileRecords += entry.seen;
    if (entry.seen < entry.required) {
      problem(`${JSON.stringify(clip(text))}: the ledger says delivered ${entry.required} time(s), the receiver kept it ${entry.seen} time(s)`);
    }
  }
  return { problems, contentRecords: records.length - logfileRecords - fragments.length, cutRecords: cut.length, logfileRecords, fragments: fragments.length };
}

/**
 * Assigns cut records to texts they are a prefix of: first (by augmenting paths) to texts still
 * short of records, then any left to texts that may have more (logfile lines, repeated frames).
 */
function assignCutRecords(cut: readonly JudgedRecord[], texts: Map<string, TextInfo>, prefixes: PrefixIndex, problem: (text: string) => void): void {
  if (cut.length === 0) return;
  const candidates = cut.map((record) => prefixes.candidates(record));
  // Capacity of each short text, as slots.
  const slots = new Map<string, number>();
  for (const [text, entry] of texts) if (entry.seen < entry.required) slots.set(text, entry.required - entry.seen);
  const assigned = new Map<string, number[]>();
  const assignment: (string | undefined)[] = new Array(cut.length).fill(undefined);
  const tryAssign = (index: number, visited: Set<string>): boolean => {
    for (const text of candidates[index] as string[]) {
      const capacity = slots.get(text);
      if (capacity === undefined || visited.has(text)) continue;
      visited.add(text);
      const holders = assigned.get(text) ?? [];
      if (holders.length < capacity) {
        holders.push(index);
        assigned.set(text, holders);
        assignment[index] = text;
        return true;
      }
      for (let k = 0; k < holders.length; k++) {
        const other = holders[k] as number;
        if (tryAssign(other, visited)) {
          holders[k] = index;
          assignment[index] = text;
          return true;
        }
      }
    }
    return false;
  };
  // Whole (if cut) frames first: a trailing fragment must not take the slot of a delivery.
  for (const isTrailing of [false, true]) {
    for (let i = 0; i < cut.length; i++) {
      if ((cut[i]?.isTrailing === true) !== isTrailing) continue;
      if ((candidates[i] as string[]).some((text) => slots.has(text))) tryAssign(i, new Set());
    }
  }
  for (let i = 0; i < cut.length; i++) {
    const text = assignment[i];
    if (text !== undefined) {
      (texts.get(text) as TextInfo).seen++;
      continue;
    }
    const record = cut[i] as JudgedRecord;
    // A trailing partial frame cut to the limit is a fragment too: it need not be a delivery.
    if (record.isTrailing === true && (candidates[i] as string[]).length > 0) continue;
    const free = (candidates[i] as string[]).find((candidate) => (texts.get(candidate) as TextInfo).mayExceed);
    if (free === undefined) {
      problem(
        (candidates[i] as string[]).length === 0
          ? `the receiver kept a cut record ${JSON.stringify(clip(record.raw))} (${record.byteLength} bytes) that is no prefix of any line of the run`
          : `the receiver kept a cut record ${JSON.stringify(clip(record.raw))} (${record.byteLength} bytes) more often than the ledger's delivered lines account for`,
      );
      continue;
    }
    (texts.get(free) as TextInfo).seen++;
  }
}

const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** The texts whose first N bytes, decoded as the receiver decodes them, equal a record. */
class PrefixIndex {
  readonly #texts: readonly string[];
  readonly #byLength = new Map<number, Map<string, string[]>>();
  #encoded: Uint8Array[] | undefined;

  constructor(texts: Iterable<string>) {
    this.#texts = [...texts];
  }

  /** The texts longer than the record whose first `byteLength` bytes give its text. */
  candidates(record: JudgedRecord): readonly string[] {
    return this.#index(record.byteLength).get(record.raw) ?? [];
  }

  #index(length: number): Map<string, string[]> {
    let index = this.#byLength.get(length);
    if (index !== undefined) return index;
    index = new Map();
    this.#encoded ??= this.#texts.map((text) => encodeUtf8(text));
    this.#texts.forEach((text, i) => {
      const bytes = (this.#encoded as Uint8Array[])[i] as Uint8Array;
      if (bytes.length <= length) return;
      const prefix = decoder.decode(bytes.subarray(0, length));
      const list = (index as Map<string, string[]>).get(prefix);
      if (list === undefined) (index as Map<string, string[]>).set(prefix, [text]);
      else list.push(text);
    });
    this.#byLength.set(length, index);
    return index;
  }
}

function clip(text: string): string {
  return text.length <= 120 ? text : `${text.slice(0, 100)}… (${text.length} chars)`;
}
