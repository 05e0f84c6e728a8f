/**
 * The layer order of src/ and the imports that break it (issue 11: "layers that read downwards").
 *
 * Each folder of src/ (and each file at its top) has a rank; a file may import its own folder and
 * folders of a lower rank. An import of a higher rank, or of another folder of the same rank, is an
 * upward import. Imports are read with TypeScript's own pre-processor (`ts.preProcessFile`), type-only
 * imports included: an interface that lives with its user is exactly what this finds.
 *
 * `npm run layers` (scripts/report-import-layers.ts) prints the report; test/unit/scripts/import-layers.test.ts fails on an upward
 * import that is not in scripts/import-layers-baseline.json, and on a baseline entry that is gone (so
 * the baseline only ever shrinks as the restructuring of issue 11 removes them).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import ts from 'typescript';

/** Bottom first. Folders of src/, or top-level files by their name without `.ts`. */
export const LAYERS: ReadonlyArray<{ readonly rank: number; readonly units: readonly string[]; readonly owns: string }> = [
  { rank: 0, units: ['exit-codes', 'version'], owns: 'exit codes and the version: constants, no imports' },
  { rank: 0, units: ['refs'], owns: 'the stream reference (source, label, sha256): its type, validation and template rendering; imports nothing of src/' },
  { rank: 0, units: ['compression'], owns: 'codecs the runtime may lack (zstd): imports nothing of src/' },
  { rank: 0.5, units: ['errors'], owns: 'the error model: codes, StreamvaultError, classify (kafkajs classes, AWS SDK errors, cause chain), exitCodeOf; of src/ imports exit-codes only' },
  { rank: 1, units: ['config'], owns: 'the variable tables, loading and validating them once, narrow settings views' },
  { rank: 2, units: ['observability'], owns: 'logger, metrics registry, health server, readiness problems' },
  { rank: 2.5, units: ['lifecycle'], owns: 'what a run (or a part of one) opened, closed last first: ResourceStack; of src/ imports the logger type only' },
  { rank: 3, units: ['storage'], owns: 'the object store, key layout, manifests, the location config' },
  { rank: 3, units: ['filecache'], owns: 'durable local state: state dir, lock, journals' },
  { rank: 4, units: ['events'], owns: 'the Avro envelope and container, schemas, decoding, stream references' },
  { rank: 5, units: ['kafka'], owns: 'kafkajs clients, codecs, message to record' },
  { rank: 6, units: ['streams'], owns: 'the stream pipeline: hit cache, upload pool, copier, sources' },
  { rank: 6, units: ['output'], owns: 'what runs show: the progress model and its renderers (text, JSON lines, bar, log lines), byte and duration formats' },
  { rank: 7, units: ['backup'], owns: 'pair workers, batches, the daemon lifecycle' },
  { rank: 7, units: ['restore'], owns: 'plan, target, streams then events, resume' },
  { rank: 7, units: ['verify'], owns: 'verify, stats, get' },
  { rank: 8, units: ['drill'], owns: 'restore drills (use restore and verify)' },
  { rank: 8, units: ['prune'], owns: 'retention: which batches, streams and snapshots prune deletes' },
  { rank: 9, units: ['process-signals'], owns: 'SIGTERM/SIGINT for the whole process' },
  { rank: 10, units: ['app'], owns: 'one place that assembles each run (backup, restore, drill) and closes what it opened, last first' },
  { rank: 11, units: ['commands'], owns: 'one file per command (commander), each runs its part of the above' },
  { rank: 12, units: ['cli', 'healthcheck'], owns: 'the entry points' },
];

export interface UpwardImport {
  /** Importing file, relative to the repository root, POSIX separators. */
  readonly from: string;
  /** Imported file, the same way. */
  readonly to: string;
}

/** The unit of a path relative to src/: its first folder, or a top-level file's name. */
export function unitOf(pathInSrc: string): string {
  const [first, ...rest] = pathInSrc.split('/');
  return rest.length === 0 ? first!.replace(/\.ts$/, '') : first!;
}

function rankOf(unit: string): number {
  const layer = LAYERS.find((l) => l.units.includes(unit));
  if (!layer) throw new Error(`src unit '${unit}' has no layer in scripts/import-layers.ts LAYERS; expected one of ${LAYERS.flatMap((l) => l.units).join(', ')}`);
  return layer.rank;
}

/** Whether a file of unit `from` may import one of unit `to`. */
export function mayImport(from: string, to: string): boolean {
  return from === to || rankOf(to) < rankOf(from);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const toPosix = (path: string) => path.split(sep).join(posix.sep);

/** Every upward import under `root`/src, sorted. */
export function upwardImports(root: string): UpwardImport[] {
  const srcDir = join(root, 'src');
  const found: UpwardImport[] = [];
  for (const file of sourceFiles(srcDir)) {
    const fromInSrc = toPosix(relative(srcDir, file));
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const imported of info.importedFiles) {
      if (!imported.fileName.startsWith('.')) continue;
      const target = join(dirname(file), imported.fileName.replace(/\.js$/, '.ts'));
      const toInSrc = toPosix(relative(srcDir, target));
      if (toInSrc.startsWith('..')) continue;
      if (!mayImport(unitOf(fromInSrc), unitOf(toInSrc))) found.push({ from: `src/${fromInSrc}`, to: `src/${toInSrc}` });
    }
  }
  return found.sort((a, b) => `${a.from} ${a.to}`.localeCompare(`${b.from} ${b.to}`));
}

export function readBaseline(root: string): UpwardImport[] {
  return JSON.parse(readFileSync(join(root, 'scripts', 'import-layers-baseline.json'), 'utf8')) as UpwardImport[];
}

/** The report `npm run layers` prints: the order, then each upward import, then the count. */
export function layerReport(imports: readonly UpwardImport[]): string {
  const order = LAYERS.map((l) => `  ${String(l.rank).padStart(2)}  ${l.units.join(', ').padEnd(28)} ${l.owns}`);
  const lines = imports.map((i) => `  ${i.from} -> ${i.to}`);
  return [
    'layers, bottom first (a file imports its own unit and lower ranks only):',
    ...order,
    '',
    `upward imports: ${imports.length}`,
    ...lines,
    '',
  ].join('\n');
}
