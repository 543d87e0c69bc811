/**
 * The `consolidated_event` generator: one CEF line per message, as AsyncOS 14+ writes its
 * Consolidated Event Logs (`CEF:0|Cisco|C100V Email Security Virtual Appliance|14.0.0-657|
 * ESA_CONSOLIDATED_LOG_EVENT|Consolidated Log Event|5|deviceExternalId=… ESAMID=…`). Field names,
 * order and value shapes follow field samples (Elastic's and Splunk's ESA test data).
 *
 * @module
 */

import { InvalidOptionError } from '../core/errors.js';
import { ASYNCOS_VERSION_PATTERN, SERIAL_NUMBER_PATTERN } from '../core/logfile.js';
import { expectInteger } from '../core/units.js';
import type { LogLevel } from '../core/vocabulary.js';
import {
  flattened,
  formatCtime,
  LOCAL_DOMAIN,
  LOCAL_PARTS,
  RELAY_HOSTS,
  REMOTE_ADDRESSES,
  REMOTE_DOMAINS,
  SBRS_SCORES,
  SUBJECTS,
  TLS_PARAMETERS,
} from './content-pools.js';
import { expectRate, type LogGenerator } from './log-generator.js';
import { MAX_START_ID } from './status-generator.js';
import {
  resolveTemplateGeneratorOptions,
  TemplateGenerator,
  WeightedTable,
  type EventActor,
  type ResolvedTemplateGeneratorOptions,
  type TemplateGeneratorOptions,
} from './template-generator.js';

/** Options of {@link createConsolidatedEventGenerator}. */
export interface ConsolidatedEventGeneratorOptions extends TemplateGeneratorOptions {
  /**
   * Messages per second: the same as `linesPerSecond` (one line per message); give one of them.
   * @default 5
   */
  messagesPerSecond?: number;
  /**
   * The AsyncOS version in the CEF header (consolidated event logs exist from 14.0 on).
   * @default '14.0.0-657'
   */
  version?: string;
  /**
   * The appliance serial number, written as `deviceExternalId`.
   * @default '420D4FEA709365BFB3E3-0AF2EE5E700E'
   */
  serialNumber?: string;
  /**
   * The product name in the CEF header (no `|` or `\`).
   * @default 'C100V Email Security Virtual Appliance'
   */
  productName?: string;
  /**
   * The listener address, written as `dvc`.
   * @default '192.0.2.12'
   */
  interfaceAddress?: string;
  /**
   * The first MID.
   * @default 1
   */
  startMid?: number;
  /**
   * The first ICID.
   * @default 1
   */
  startIcid?: number;
  /**
   * The first DCID.
   * @default 1
   */
  startDcid?: number;
}

/** {@link ConsolidatedEventGeneratorOptions} validated and defaulted. */
export interface ResolvedConsolidatedEventOptions extends ResolvedTemplateGeneratorOptions {
  readonly version: string;
  readonly serialNumber: string;
  readonly productName: string;
  readonly interfaceAddress: string;
  readonly startMid: number;
  readonly startIcid: number;
  readonly startDcid: number;
}

/** The default rate of consolidated events, in lines (messages) per second. */
export const DEFAULT_CONSOLIDATED_EVENT_LINES_PER_SECOND = 5;

/** The default AsyncOS version of consolidated event lines. */
export const DEFAULT_CEF_ASYNCOS_VERSION = '14.0.0-657';

/** The default (virtual appliance) serial number of consolidated event lines. */
export const DEFAULT_CEF_SERIAL_NUMBER = '420D4FEA709365BFB3E3-0AF2EE5E700E';

/** The default product name in the CEF header. */
export const DEFAULT_CEF_PRODUCT_NAME = 'C100V Email Security Virtual Appliance';

/**
 * Validates and defaults {@link ConsolidatedEventGeneratorOptions}.
 *
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) naming the bad option.
 */
export function resolveConsolidatedEventOptions(options: ConsolidatedEventGeneratorOptions = {}): ResolvedConsolidatedEventOptions {
  const extra = ['messagesPerSecond', 'version', 'serialNumber', 'productName', 'interfaceAddress', 'startMid', 'startIcid', 'startDcid'];
  let rateOptions = options;
  if (typeof options === 'object' && options !== null && options.messagesPerSecond !== undefined) {
    if (options.linesPerSecond !== undefined) {
      throw new InvalidOptionError('linesPerSecond', options.linesPerSecond, 'left out when messagesPerSecond is given (give one rate)');
    }
    rateOptions = { ...options, linesPerSecond: expectRate('messagesPerSecond', options.messagesPerSecond) };
  }
  const base = resolveTemplateGeneratorOptions(rateOptions, 'the consolidated_event generator', DEFAULT_CONSOLIDATED_EVENT_LINES_PER_SECOND, extra);
  const version = options.version ?? DEFAULT_CEF_ASYNCOS_VERSION;
  if (typeof version !== 'string' || !ASYNCOS_VERSION_PATTERN.test(version)) {
    throw new InvalidOptionError('version', version, 'an AsyncOS version major.minor.patch-build (e.g. 14.0.0-657)');
  }
  const serialNumber = options.serialNumber ?? DEFAULT_CEF_SERIAL_NUMBER;
  if (typeof serialNumber !== 'string' || !SERIAL_NUMBER_PATTERN.test(serialNumber)) {
    throw new InvalidOptionError('serialNumber', serialNumber, 'a serial number like 420D4FEA709365BFB3E3-0AF2EE5E700E (virtual) or A4BADB4712A9-511AA1E (hardware)');
  }
  const productName = options.productName ?? DEFAULT_CEF_PRODUCT_NAME;
  if (typeof productName !== 'string' || !/^[^|\\\u0000-\u001f\u007f]{1,100}$/.test(productName)) {
    throw new InvalidOptionError('productName', productName, 'a name of 1-100 characters without |, \\ or control characters');
  }
  const interfaceAddress = options.interfaceAddress ?? '192.0.2.12';
  if (typeof interfaceAddress !== 'string' || !/^[^\s\u0000-\u001f\u007f]{1,64}$/.test(interfaceAddress)) {
    throw new InvalidOptionError('interfaceAddress', interfaceAddress, 'an address of 1-64 characters without spaces');
  }
  return Object.freeze({
    ...base,
    version,
    serialNumber,
    productName,
    interfaceAddress,
    startMid: options.startMid === undefined ? 1 : expectInteger('startMid', options.startMid, 1, MAX_START_ID),
    startIcid: options.startIcid === undefined ? 1 : expectInteger('startIcid', options.startIcid, 1, MAX_START_ID),
    startDcid: options.startDcid === undefined ? 1 : expectInteger('startDcid', options.startDcid, 1, MAX_START_ID),
  });
}

/** What happened to a message, as the CEF `act` field and the verdicts around it say. */
type Outcome = 'delivered' | 'relayed' | 'quarantined' | 'aborted' | 'delayQuarantine';

const OUTCOMES = new WeightedTable<Outcome>([
  [75, 'delivered'],
  [12, 'relayed'],
  [8, 'quarantined'],
  [3, 'aborted'],
  [2, 'delayQuarantine'],
]);

/** [protocol, cipher] pairs of {@link TLS_PARAMETERS}. */
const TLS_FIELDS = TLS_PARAMETERS.map((text) => {
  const words = text.split(' ');
  return [words[1] as string, words[3] as string] as const;
});
const SDR_REPUTATIONS = ['Neutral', 'Neutral', 'Favorable', 'Weak'];
const INFO: LogLevel = 'Information';

class ConsolidatedEventGenerator extends TemplateGenerator {
  readonly logType = 'consolidated_event';
  readonly #header: string;
  readonly #dvc: string;
  #nextMid: number;
  #nextIcid: number;
  #nextDcid: number;

  constructor(options: ResolvedConsolidatedEventOptions) {
    super(options, 1);
    this.#header =
      'CEF:0|Cisco|' + options.productName + '|' + options.version + '|ESA_CONSOLIDATED_LOG_EVENT|Consolidated Log Event|5|deviceExternalId=' + options.serialNumber;
    this.#dvc = options.interfaceAddress;
    this.#nextMid = options.startMid;
    this.#nextIcid = options.startIcid;
    this.#nextDcid = options.startDcid;
  }

  protected compose(event: EventActor, timeMs: number): void {
    const outcome = OUTCOMES.pick(this.random.next());
    const isOutbound = outcome === 'relayed';
    const isAborted = outcome === 'aborted';
    const hasDelivery = outcome === 'delivered' || outcome === 'relayed';
    const mid = this.#nextMid++;
    const icid = this.#nextIcid++;
    const dcid = hasDelivery ? this.#nextDcid++ : 0;
    const remoteDomain = this.choose(REMOTE_DOMAINS);
    const sender = this.choose(LOCAL_PARTS) + '@' + (isOutbound ? LOCAL_DOMAIN : remoteDomain);
    const recipient = this.choose(LOCAL_PARTS) + '@' + (isOutbound ? remoteDomain : LOCAL_DOMAIN);
    const relayHost = isOutbound ? this.choose(RELAY_HOSTS) : undefined;
    const clientAddress = relayHost?.address ?? this.choose(REMOTE_ADDRESSES);
    const heloDomain = relayHost?.name ?? 'mx' + (1 + this.below(4)) + '.' + remoteDomain;
    const sourceHostName = relayHost !== undefined || this.random.next() < 0.7 ? heloDomain : 'unknown';
    const startMs = timeMs - 300 - this.random.next() * 8000;
    const isSpam = outcome === 'quarantined';
    const isScanned = !isAborted;
    const sbrs = isOutbound ? 'not enabled' : this.random.next() < 0.1 ? 'None' : (SBRS_SCORES[90 + this.below(111)] as string);
    const hasTls = this.random.next() < 0.6;
    const tls = TLS_FIELDS[this.below(TLS_FIELDS.length)] as readonly [string, string];

    let text =
      this.#header +
      ' ESAMID=' + mid +
      ' ESAICID=' + icid +
      (dcid > 0 ? ' ESADCID=' + dcid : '') +
      ' ESAAMPVerdict=' + (isScanned ? (this.random.next() < 0.3 ? 'UNKNOWN' : 'SKIPPED') : 'NOT_EVALUATED') +
      ' ESAASVerdict=' + (isScanned ? (isSpam ? 'POSITIVE' : isOutbound ? 'NOT_EVALUATED' : 'NEGATIVE') : 'NOT_EVALUATED') +
      ' ESAAVVerdict=' + (isScanned ? 'NEGATIVE' : 'NOT_EVALUATED') +
      ' ESACFVerdict=' + (isScanned ? 'NO_MATCH' : 'NOT_EVALUATED') +
      ' endTime=' + formatCtime(timeMs, this.utcOffsetSeconds) +
      (isScanned && !isOutbound ? ' ESADKIMVerdict=' + (this.random.next() < 0.8 ? 'pass' : 'none') : '') +
      ' ESADLPVerdict=NOT_EVALUATED dvc=' + this.#dvc +
      ' ESAFriendlyFrom=' + sender +
      ' ESAGMVerdict=' + (isScanned ? 'NEGATIVE' : 'NOT_EVALUATED') +
      ' startTime=' + formatCtime(startMs, this.utcOffsetSeconds) +
      (isOutbound ? ' deviceOutboundInterface=OutgoingMail deviceDirection=1 ESAMailFlowPolicy=RELAY' : ' deviceInboundInterface=IncomingMail deviceDirection=0 ESAMailFlowPolicy=ACCEPT') +
      ' suser=' + sender +
      ' cs1Label=MailPolicy cs1=DEFAULT cs2Label=SenderCountry cs2=not enabled ESAMFVerdict=NOT_EVALUATED act=';
    switch (outcome) {
      case 'delivered':
      case 'relayed':
        text += 'DELIVERED';
        break;
      case 'quarantined':
        text += 'QUARANTINED ESAFinalActionDetails=To SPAM QUARANTINE';
        break;
      case 'aborted':
        text += 'ABORTED ESAFinalActionDetails=Receiving aborted by sender';
        break;
      case 'delayQuarantine':
        text += 'DQ ESAFinalActionDetails=Message held temporarily in Delay Quarantine';
        break;
    }
    if (!isAborted) {
      text +=
        " cs4Label=ExternalMsgID cs4='<" + ((this.random.next() * 4294967296) >>> 0).toString(16) + '.' + mid + '@' + sender.slice(sender.indexOf('@') + 1) + ">'" +
        ' ESAMsgSize=' + (900 + this.below(400_000)) +
        ' ESAOFVerdict=NEGATIVE duser=' + recipient;
    } else {
      text += ' ESAOFVerdict=NOT_EVALUATED';
    }
    text +=
      ' ESAHeloDomain=' + heloDomain +
      ' ESAHeloIP=' + clientAddress +
      ' cfp1Label=SBRSScore cfp1=' + sbrs +
      (isOutbound || isAborted
        ? ''
        : ' ESASDRDomainAge=30 days (or greater) cs3Label=SDRThreatCategory cs3=N/A cs6Label=SDRRepScore cs6=' + this.choose(SDR_REPUTATIONS) +
          " ESASPFVerdict={'mailfrom': {'result': 'Pass', 'sender': '" + sender + "'}}") +
      ' sourceHostName=' + sourceHostName +
      ' ESASenderGroup=' + (isOutbound ? 'RELAYLIST' : 'UNKNOWNLIST') +
      ' sourceAddress=' + clientAddress +
      " msg='" + (isAborted ? '' : this.choose(SUBJECTS)) + "'";
    if (hasTls && !isAborted) {
      text += ' ESATLSInCipher=' + tls[1] + ' ESATLSInConnStatus=Success ESATLSInProtocol=' + tls[0];
      if (hasDelivery) text += ' ESATLSOutCipher=' + tls[1] + ' ESATLSOutConnStatus=Success ESATLSOutProtocol=' + tls[0];
    }
    event.add(timeMs, INFO, flattened(text));
  }
}

/**
 * A generator of `consolidated_event` logs: one CEF line per message when its processing ends —
 * delivered inbound mail, relayed outbound mail, spam quarantined, aborted receptions and delay
 * quarantine — with MIDs, ICIDs and DCIDs increasing from their start values and local
 * `startTime`/`endTime` in ctime form. The text is the whole `CEF:0|Cisco|…` (no level word on
 * the wire).
 *
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) for invalid options.
 * @example
 * ```ts
 * createConsolidatedEventGenerator({ seed: 1, messagesPerSecond: 10 }).generate(startMs, startMs + 60_000, out);
 * ```
 */
export function createConsolidatedEventGenerator(options: ConsolidatedEventGeneratorOptions = {}): LogGenerator {
  return new ConsolidatedEventGenerator(resolveConsolidatedEventOptions(options));
}
