/**
 * A file the CLI was asked to write (`--out`, `--pcap`): opened before the work starts, so a bad
 * path fails early, and closed with any write error reported. Internal.
 *
 * @module
 */

import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { EsaError } from '../core/errors.js';

/** An open output file. */
export interface OutputFile {
  /** Appends text or bytes. */
  write(data: string | Uint8Array): void;
  /**
   * Flushes and closes. Idempotent: same promise.
   *
   * @throws EsaError `ESA_ERR_IO` when a write failed.
   */
  close(): Promise<void>;
}

/**
 * Opens (creates or replaces) `path`, resolved against `cwd`.
 *
 * @param flagName - the flag that named it, for messages (`--out`).
 * @throws EsaError `ESA_ERR_IO`: `Cannot open --out <path>: <reason>`.
 */
export function openOutputFile(path: string, flagName: string, cwd = '.'): Promise<OutputFile> {
  const fullPath = resolve(cwd, path);
  return new Promise((done, fail) => {
    const stream = createWriteStream(fullPath, { flags: 'w' });
    stream.once('error', (error) => fail(new EsaError('ESA_ERR_IO', `Cannot open ${flagName} ${fullPath}: ${error.message}`, { cause: error })));
    stream.once('open', () => {
      let writeError: Error | undefined;
      let closing: Promise<void> | undefined;
      stream.on('error', (error) => (writeError ??= error));
      done({
        write: (data) => {
          if (!writeError) stream.write(data);
        },
        close: () =>
          (closing ??= new Promise<void>((closed, failed) =>
            stream.end(() =>
              writeError ? failed(new EsaError('ESA_ERR_IO', `Cannot write ${flagName} ${fullPath}: ${writeError.message}`, { cause: writeError })) : closed(),
            ),
          )),
      });
    });
  });
}
