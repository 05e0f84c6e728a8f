export interface ReliabilityCounts {
  runs?: number;
  produced?: number;
  backed_up?: number;
  streams_referenced?: number;
  streams_stored?: number;
  lost: number;
  duplicated: number;
  crashes?: number;
}

const ORDER: ReadonlyArray<keyof ReliabilityCounts> = ['runs', 'produced', 'backed_up', 'streams_referenced', 'streams_stored', 'lost', 'duplicated', 'crashes'];

/** `RELIABILITY <scenario> runs=.. produced=.. ...`; fields that do not apply are left out. */
export function reliabilityLine(scenario: string, counts: ReliabilityCounts): string {
  const fields = ORDER.filter((k) => counts[k] !== undefined).map((k) => `${k}=${counts[k]}`);
  return `RELIABILITY ${scenario} ${fields.join(' ')}`;
}

/**
 * Prints the scenario's line (the last thing it prints: call it after the work and before the
 * assertions) straight to the process's stdout, so vitest's console capture cannot reorder it.
 */
export function printReliabilityLine(scenario: string, counts: ReliabilityCounts): string {
  const line = reliabilityLine(scenario, counts);
  process.stdout.write(`${line}\n`);
  return line;
}
