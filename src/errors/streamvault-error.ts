import type { ExitCodeValue } from '../exit-codes.js';
import { ERROR_CODES, type ErrorCode } from './error-codes.js';

export interface StreamvaultErrorOptions {
  readonly code: ErrorCode;
  /** Default: the code's (ERROR_CODES); set only when this instance differs (a 5xx of a source is, a 404 is not). */
  readonly retriable?: boolean;
  /** Default: the code's (ERROR_CODES). */
  readonly exitCode?: ExitCodeValue;
  readonly cause?: unknown;
}

/**
 * The base of streamvault's own errors: what happened (`code`, one of ERROR_CODES), whether another
 * attempt may succeed, the exit code a command that stops on it returns, and what it wraps (`cause`).
 * Messages about input say what was expected and what arrived.
 */
export class StreamvaultError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly exitCode: ExitCodeValue;

  constructor(message: string, options: StreamvaultErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StreamvaultError';
    this.code = options.code;
    this.retriable = options.retriable ?? ERROR_CODES[options.code].retriable;
    this.exitCode = options.exitCode ?? ERROR_CODES[options.code].exitCode;
  }
}
