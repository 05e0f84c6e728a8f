import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OutputTail, spawnTied, stopChild } from './child-process.js';
import { freePorts } from './free-ports.js';
import { projectRoot } from './project-root.js';
import type { S3Server } from './s3-server.js';

/** Where scripts/local/jvm/resolve.sh puts scripts/local/jvm/s3mock/pom.xml's jar. */
const S3MOCK_CACHE_DIR = 'node_modules/.cache/streamvault-jvm/s3mock';

export interface StartS3MockOptions {
  /** The S3Mock `exec` jar. Default: the one scripts/local/jvm/resolve.sh resolved (see findS3MockJar). */
  jar?: string;
  /** Where S3Mock keeps buckets and objects; kept across `restart()`. Default: a fresh temp directory. */
  directory?: string;
  /** How long to wait until it answers, in milliseconds. Default 180000 (a Spring Boot start on a busy 2-core machine). */
  startTimeoutMs?: number;
}

/**
 * The S3Mock jar resolved by `npm run setup` (scripts/local/jvm/resolve.sh), or `undefined` with
 * the reason. S3Mock is the test S3 server that enforces `If-None-Match` and `If-Match` on writes.
 */
export function findS3MockJar(root = projectRoot(fileURLToPath(import.meta.url))): { jar: string } | { missing: string } {
  const dir = join(root, S3MOCK_CACHE_DIR);
  const jar = existsSync(dir) ? readdirSync(dir).find((f) => /^s3mock-.*-exec\.jar$/.test(f)) : undefined;
  if (!jar) return { missing: `no S3Mock jar in ${dir}: run \`npm run setup\` (needs a JDK 17 and Maven)` };
  return { jar: join(dir, jar) };
}

/**
 * Starts Adobe S3Mock (a Spring Boot server, Java 17) on free loopback ports, waits until it
 * answers a ListBuckets, and stops it by its pid. Same shape as startS3Server (s3rver), so tests
 * use either through `S3Server`; any credentials are accepted, `s3ClientFor` works for both.
 */
export async function startS3MockServer(opts: StartS3MockOptions = {}): Promise<S3Server> {
  const jar = opts.jar ?? jarOrThrow();
  const directory = opts.directory ?? mkdtempSync(join(tmpdir(), 's3mock-'));
  mkdirSync(directory, { recursive: true });
  const timeoutMs = opts.startTimeoutMs ?? 180_000;
  // S3Mock always opens an https port too (9191 unless told): both are set so no fixed port is used.
  const [httpPort, httpsPort] = (await freePorts(2)) as [number, number];
  let child = await spawnS3Mock(jar, httpPort, httpsPort, directory, timeoutMs);
  let stopping: Promise<void> | undefined;
  const server: S3Server = {
    endpoint: `http://127.0.0.1:${httpPort}`,
    port: httpPort,
    directory,
    stop: () => (stopping ??= stopChild(child, 10_000)),
    async restart() {
      await server.stop();
      child = await spawnS3Mock(jar, httpPort, httpsPort, directory, timeoutMs);
      stopping = undefined;
    },
  };
  return server;
}

function jarOrThrow(): string {
  const found = findS3MockJar();
  if ('missing' in found) throw new Error(found.missing);
  return found.jar;
}

async function spawnS3Mock(jar: string, httpPort: number, httpsPort: number, root: string, timeoutMs: number): Promise<ChildProcess> {
  const child = spawnTied(
    'java',
    [
      // C1 only: a test server lives for minutes, and this roughly halves the start-up time.
      '-XX:TieredStopAtLevel=1',
      '-jar',
      jar,
      `--server.port=${httpsPort}`,
      `--com.adobe.testing.s3mock.httpPort=${httpPort}`,
      '--server.address=127.0.0.1',
      `--com.adobe.testing.s3mock.store.root=${root}`,
      // Kept so that restart() finds the buckets again; the caller owns the directory.
      '--com.adobe.testing.s3mock.store.retainFilesOnExit=true',
      '--logging.level.root=WARN',
      '--spring.main.banner-mode=off',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const tail = new OutputTail();
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => tail.push(chunk));
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `exited early (code ${code}, signal ${signal})`));
  child.once('error', (error) => (exited = error.message));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) break;
    if (await answers(`http://127.0.0.1:${httpPort}/`)) return child;
    if (Date.now() > deadline) {
      exited = `not answering after ${timeoutMs} ms`;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await stopChild(child);
  throw new Error(`S3Mock (${jar}) did not start on port ${httpPort}: ${exited}\nstderr:\n${tail}`);
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}
