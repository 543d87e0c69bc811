/**
 * Applies a long-line policy to a batch: the parts to put on the wire, how many parts each
 * message became, and what the rule did to each message. Internal to the transports.
 *
 * @module
 */

import { applyLongLineRule, exceedsLongLineLimit, type LongLineAction, type LongLinePolicy } from '../core/long-lines.js';

/** A batch after its long-line rule. */
export interface LongLineBatch {
  /** What goes on the wire, in order (the input array itself when no message changed). */
  readonly parts: readonly string[];
  /** Per input message, how many parts it became (0 = dropped); `undefined` when no message changed (one each). */
  readonly partCounts: Uint32Array | undefined;
  /** Per input message, what the rule did; `undefined` when no message changed. */
  readonly actions: (LongLineAction | undefined)[] | undefined;
}

/** Applies `policy` to every message of `messages`; cheap when nothing is over the limit. */
export function applyLongLinesToBatch(messages: readonly string[], policy: LongLinePolicy): LongLineBatch {
  if (policy.rule === 'send') return { parts: messages, partCounts: undefined, actions: undefined };
  let first = -1;
  for (let i = 0; i < messages.length; i++) {
    if (exceedsLongLineLimit(messages[i] as string, policy)) {
      first = i;
      break;
    }
  }
  if (first < 0) return { parts: messages, partCounts: undefined, actions: undefined };
  const parts: string[] = messages.slice(0, first);
  const partCounts = new Uint32Array(messages.length).fill(1);
  const actions: (LongLineAction | undefined)[] = new Array<LongLineAction | undefined>(messages.length).fill(undefined);
  for (let i = first; i < messages.length; i++) {
    const message = messages[i] as string;
    if (!exceedsLongLineLimit(message, policy)) {
      parts.push(message);
      continue;
    }
    const result = applyLongLineRule(message, policy);
    for (const part of result.parts) parts.push(part);
    partCounts[i] = result.parts.length;
    actions[i] = result.action;
  }
  return { parts, partCounts, actions };
}

/**
 * Per message, the end of its last part (or the previous message's end when it has none), from
 * the per-part ends, shifted by `offset`. A `Uint32Array` while the values fit, else numbers.
 * When every message is one part and the values fit, a `Uint32Array` of part ends is shifted in
 * place and returned (the caller hands over its own array: no allocation per batch).
 */
export function messageEnds(partEnds: ArrayLike<number>, partCounts: Uint32Array | undefined, offset: number): Uint32Array | number[] {
  const count = partCounts === undefined ? partEnds.length : partCounts.length;
  const last = partEnds.length === 0 ? 0 : (partEnds[partEnds.length - 1] as number);
  const fits = offset + last <= 0xffff_ffff;
  if (partCounts === undefined && fits && partEnds instanceof Uint32Array) {
    if (offset !== 0) for (let i = 0; i < count; i++) partEnds[i] = offset + (partEnds[i] as number);
    return partEnds;
  }
  const ends: Uint32Array | number[] = fits ? new Uint32Array(count) : new Array<number>(count);
  if (partCounts === undefined) {
    for (let i = 0; i < count; i++) ends[i] = offset + (partEnds[i] as number);
    return ends;
  }
  let part = 0;
  let end = 0;
  for (let i = 0; i < count; i++) {
    part += partCounts[i] as number;
    if (part > 0) end = partEnds[part - 1] as number;
    ends[i] = offset + end;
  }
  return ends;
}

/**
 * Per message, the text of its last part (a `truncated` message as cut, the last part of a
 * `split` one; `undefined` for a dropped one), or `undefined` when the rule changed nothing: what
 * a receiver's last record of the message says (see `SendReceipt.longLineLastParts`).
 */
export function longLineLastParts(batch: LongLineBatch): (string | undefined)[] | undefined {
  const { parts, partCounts } = batch;
  if (partCounts === undefined) return undefined;
  const last = new Array<string | undefined>(partCounts.length).fill(undefined);
  let end = 0;
  for (let i = 0; i < partCounts.length; i++) {
    end += partCounts[i] as number;
    if (partCounts[i] !== 0) last[i] = parts[end - 1];
  }
  return last;
}
