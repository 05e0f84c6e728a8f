/**
 * Process exit codes. Documented in the README; scripts and orchestrators branch on them, so a
 * number never changes meaning.
 */
export const ExitCode = {
  /** Finished as asked (or the daemon stopped cleanly on a signal). */
  ok: 0,
  /** Unexpected failure; the log says what. Safe to retry. */
  failure: 1,
  /** Invalid configuration or arguments; every problem was printed. Fix, then retry. */
  badConfiguration: 2,
  /** The backup bucket does not exist, or (read commands) holds no backup under the prefix; nothing was created or written. */
  missingBackupLocation: 3,
  /** Some items failed or are damaged; they are listed. The rest completed. `drill`: what it restored differs from the backup (the report lists what). */
  partial: 4,
  /** No longer used (formerly: the daemon stopped itself after consecutive stream failures; it now keeps running and /readyz reports them). Kept so the number never changes meaning. */
  streamFailures: 5,
  /** The state directory (file cache) is missing or not writable, or its journal could make nothing more durable while running. */
  stateDirUnusable: 6,
  /** `restore` (`--what both|offsets`): a consumer group to receive translated offsets has members in the target; its offsets were left unchanged and everything else completed (with other failures too: 4). Stop its consumers, rerun with `--what offsets`. */
  groupsNotEmpty: 7,
  /** The backup location is locked: `prune` found another prune's or a backup daemon's fresh lock, or `backup` found a prune's (locks/ in the bucket). Nothing was deleted or written; retry once it ended (a lock goes stale 120 s after its holder stopped refreshing it). */
  locationLocked: 8,
  /** A second SIGTERM/SIGINT forced an immediate exit; the journal is intact. */
  interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
