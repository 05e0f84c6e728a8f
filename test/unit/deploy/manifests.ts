import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** The example manifests, parsed: one entry per YAML document. */
export const DIR = resolve(import.meta.dirname, '../../../deploy/kubernetes');

export interface Manifest {
  readonly file: string;
  readonly object: Record<string, any>;
}

export function loadManifests(): Manifest[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((doc) => {
        if (doc.errors.length > 0) throw new Error(`${file}: expected valid YAML, got ${doc.errors.map((e) => e.message).join('; ')}`);
        return { file, object: doc.toJS() as Record<string, any> };
      }),
    );
}

export function byKind(manifests: Manifest[], kind: string, name?: string): Record<string, any> {
  const found = manifests.filter((m) => m.object.kind === kind && (name === undefined || m.object.metadata?.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, got ${found.length}`);
  return found[0]!.object;
}
