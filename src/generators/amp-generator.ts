/**
 * The `amp` generator (AMP Engine logs): file reputation queries for message attachments and
 * their answers, upload decisions, and the odd retrospective verdict (shapes from field samples,
 * AsyncOS 12–14).
 *
 * @module
 */

import { expectInteger } from '../core/units.js';
import type { LogLevel } from '../core/vocabulary.js';
import { randomHex } from './content-pools.js';
import type { LogGenerator } from './log-generator.js';
import { MAX_START_ID } from './status-generator.js';
import {
  resolveTemplateGeneratorOptions,
  TemplateGenerator,
  type EventActor,
  type ResolvedTemplateGeneratorOptions,
  type TemplateGeneratorOptions,
} from './template-generator.js';

/** Options of {@link createAmpGenerator}. */
export interface AmpGeneratorOptions extends TemplateGeneratorOptions {
  /**
   * The MID of the first scanned message; each file scan names the next MID.
   * @default 1
   */
  startMid?: number;
}

/** {@link AmpGeneratorOptions} validated and defaulted. */
export interface ResolvedAmpOptions extends ResolvedTemplateGeneratorOptions {
  readonly startMid: number;
}

/** The default line rate of AMP logs: one line every 2 s. */
export const DEFAULT_AMP_LINES_PER_SECOND = 0.5;

/**
 * Validates and defaults {@link AmpGeneratorOptions}.
 *
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) naming the bad option.
 */
export function resolveAmpOptions(options: AmpGeneratorOptions = {}): ResolvedAmpOptions {
  const base = resolveTemplateGeneratorOptions(options, 'the amp generator', DEFAULT_AMP_LINES_PER_SECOND, ['startMid']);
  return Object.freeze({ ...base, startMid: options.startMid === undefined ? 1 : expectInteger('startMid', options.startMid, 1, MAX_START_ID) });
}

/** Attachments: name, MIME type, typical size in bytes. */
const FILES: readonly (readonly [string, string, number])[] = [
  ['invoice.pdf', 'application/pdf', 180_000],
  ['report.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 60_000],
  ['image001.png', 'image/png', 12_000],
  ['budget.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 90_000],
  ['meeting.ics', 'text/calendar', 3_000],
  ['notes.txt', 'text/plain', 2_000],
  ['archive.zip', 'application/zip', 400_000],
  ['setup.exe', 'application/x-dosexec', 1_600_000],
];

/** Chance that a file scan writes an upload decision after the answer. */
const UPLOAD_LINE_CHANCE = 0.4;
/** Chance that a file is malicious. */
const MALICIOUS_CHANCE = 0.02;
/** Share of events that are retrospective verdicts (one line) rather than file scans. */
const RETROSPECTIVE_CHANCE = 0.01;
/** Expected lines per event: scans write 2 or 3 lines, retrospective verdicts 1. */
const LINES_PER_EVENT = (1 - RETROSPECTIVE_CHANCE) * (2 + UPLOAD_LINE_CHANCE) + RETROSPECTIVE_CHANCE;

const INFO: LogLevel = 'Information';

class AmpGenerator extends TemplateGenerator {
  readonly logType = 'amp';
  #nextMid: number;

  constructor(options: ResolvedAmpOptions) {
    super(options, LINES_PER_EVENT);
    this.#nextMid = options.startMid;
  }

  #sha256(): string {
    return randomHex(() => this.random.next(), 64);
  }

  #spyname(sha256: string): string {
    return 'W32.' + sha256.slice(0, 10).toUpperCase() + '-100.SBX.TG';
  }

  protected compose(event: EventActor, timeMs: number): void {
    if (this.random.next() < RETROSPECTIVE_CHANCE) {
      const sha256 = this.#sha256();
      const stamp = Math.floor(timeMs / 1000) - 3600 - this.below(86_400);
      event.add(
        timeMs,
        INFO,
        'Retrospective verdict received. SHA256: ' + sha256 + ', Timestamp: ' + stamp + '.' + this.below(10) + ', Verdict: MALICIOUS, Reputation Score: 0, Spyname: ' + this.#spyname(sha256),
      );
      return;
    }
    const mid = this.#nextMid++;
    const [name, mime, typicalBytes] = this.choose(FILES);
    const size = Math.floor(typicalBytes * (0.3 + 1.4 * this.random.next()));
    const sha256 = this.#sha256();
    const fileName = "File Name = '" + name + "', MID = " + mid;
    event.add(timeMs, INFO, 'File reputation query initiating. ' + fileName + ', File Size = ' + size + ' bytes, File Type = ' + mime);
    const source = this.random.next() < 0.3 ? 'Cache' : 'Cloud';
    const answeredMs = timeMs + (source === 'Cache' ? 1 + this.random.next() * 10 : 50 + this.random.next() * 1450);
    const answer =
      this.random.next() < MALICIOUS_CHANCE
        ? 'Disposition = MALICIOUS, Malware = ' + this.#spyname(sha256) + ', Reputation Score = ' + (60 + this.below(40)) + ', sha256 = ' + sha256 + ', upload_action = 2'
        : 'Disposition = FILE UNKNOWN, Malware = None, Analysis Score = 0, sha256 = ' + sha256 + ', upload_action = Recommended to send the file for analysis, verdict_source = AMP';
    event.add(answeredMs, INFO, 'Response received for file reputation query from ' + source + '. ' + fileName + ', ' + answer);
    if (this.random.next() < UPLOAD_LINE_CHANCE) {
      const text =
        mime === 'application/x-dosexec' || mime === 'application/pdf'
          ? 'File uploaded for analysis. SHA256: ' + sha256 + ', file name: ' + name
          : 'File not uploaded for analysis. MID = ' + mid + ' File SHA256[' + sha256 + '] file mime[' + mime + '] Reason: No active/dynamic contents exists';
      event.add(answeredMs + this.random.next() * 5, INFO, text);
    }
  }
}

/**
 * A generator of `amp` logs: for each scanned attachment a reputation query, its answer from the
 * cloud or the cache, and sometimes an upload decision; rarely a retrospective verdict. MIDs
 * increase from `startMid`.
 *
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) for invalid options.
 * @example
 * ```ts
 * createAmpGenerator({ seed: 1, linesPerSecond: 2 }).generate(startMs, startMs + 60_000, out);
 * ```
 */
export function createAmpGenerator(options: AmpGeneratorOptions = {}): LogGenerator {
  return new AmpGenerator(resolveAmpOptions(options));
}
