import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { classify } from './classify.js';
import { ERROR_CODES, type ErrorCode } from './error-codes.js';

/**
 * The one place an exit code is chosen (restic's main.go habit): from the error a command stopped
 * on, and from how a command that ran to its end went. Commands return these, nothing else.
 */
export function exitCodeOf(error: unknown): ExitCodeValue {
  return classify(error).exitCode;
}

/** The exit code of a refusal the command already explained (stderr, the log): the code's, from ERROR_CODES. */
export function exitCodeFor(code: ErrorCode): ExitCodeValue {
  return ERROR_CODES[code].exitCode;
}

/** A command that ran to its end: 4 when some items failed or are damaged (each was listed), else 0. */
export function exitCodeOfCompletion(failedItems: number): ExitCodeValue {
  return failedItems > 0 ? ExitCode.partial : ExitCode.ok;
}

/**
 * A restore that ran to its end: 1 when a produce failed (its partition stopped; the rerun
 * continues), else 4 when an item failed (a manifest, a stream, a batch, an offsets problem), else 7
 * when consumer groups not empty in the target are all that went wrong, else 0.
 */
export function exitCodeOfRestore(run: { readonly produceFailures: number; readonly failedItems: number; readonly refusedGroups: number }): ExitCodeValue {
  if (run.produceFailures > 0) return ExitCode.failure;
  if (run.failedItems > 0) return ExitCode.partial;
  return run.refusedGroups > 0 ? ExitCode.groupsNotEmpty : ExitCode.ok;
}
