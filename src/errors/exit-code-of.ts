import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { classify } from './classify.js';

/**
 * The one place an exit code is chosen (restic's main.go habit): from the error a command stopped
 * on, and from how a command that ran to its end went. Commands return these, nothing else.
 */
export function exitCodeOf(error: unknown): ExitCodeValue {
  return classify(error).exitCode;
}

/** A command that ran to its end: 4 when some items failed or are damaged (each was listed), else 0. */
export function exitCodeOfCompletion(failedItems: number): ExitCodeValue {
  return failedItems > 0 ? ExitCode.partial : ExitCode.ok;
}
