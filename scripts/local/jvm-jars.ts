import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRoot } from './project-root.js';

/** Where scripts/local/jvm/resolve.sh (npm run setup) puts each JVM server's jars, under the project root. */
export const JVM_CACHE_DIR = 'node_modules/.cache/streamvault-jvm';

/** The Java version the servers need (Kafka 4.x and S3Mock 4.x both need 17). */
export const MIN_JAVA_MAJOR = 17;

export type JvmJars =
  | { kind: 'ready'; /** Folder of jars, for `java -cp '<dir>/*'`. */ dir: string }
  | { kind: 'missing'; /** What is missing and how to get it, for an error message. */ reason: string };

/**
 * The resolved jars of `scripts/local/jvm/<name>/pom.xml`, if they are there, current (resolved
 * from this very pom) and a Java of at least version 17 is on the PATH.
 */
export function findJvmJars(name: string, root = projectRoot(fileURLToPath(import.meta.url))): JvmJars {
  const pom = join(root, 'scripts/local/jvm', name, 'pom.xml');
  const dir = join(root, JVM_CACHE_DIR, name);
  const java = javaMajorVersion();
  if (java === undefined) return { kind: 'missing', reason: `no \`java\` on the PATH (a JDK ${MIN_JAVA_MAJOR}+ is needed)` };
  if (java < MIN_JAVA_MAJOR) return { kind: 'missing', reason: `\`java\` is version ${java}, ${MIN_JAVA_MAJOR} or newer is needed` };
  const stamp = join(dir, 'pom.sha256');
  if (!existsSync(stamp)) return { kind: 'missing', reason: `${name} jars are not resolved (no ${stamp})` };
  const expected = createHash('sha256').update(readFileSync(pom)).digest('hex');
  if (readFileSync(stamp, 'utf8').trim() !== expected) {
    return { kind: 'missing', reason: `${name} jars in ${dir} were resolved from an older ${pom}` };
  }
  if (!readdirSync(dir).some((f) => f.endsWith('.jar'))) return { kind: 'missing', reason: `no jars in ${dir}` };
  return { kind: 'ready', dir };
}

/** The major version of the `java` on the PATH (17 for "17.0.15", 8 for "1.8.0_392"), or undefined. */
export function javaMajorVersion(): number | undefined {
  const run = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (run.error || run.status !== 0) return undefined;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(run.stderr);
  if (!match) return undefined;
  const major = Number(match[1]);
  return major === 1 ? Number(match[2]) : major;
}
