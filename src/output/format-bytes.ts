/**
 * Byte counts for people, in one unit system everywhere: IEC binary units (1 KiB = 1024 B), as
 * restic and the Kubernetes resource notation use. Machine output (JSON lines, metrics, manifests)
 * carries plain byte counts instead.
 */
const UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) throw new RangeError(`expected a byte count from 0 up, got ${bytes}`);
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${UNITS[unit]}`;
}
