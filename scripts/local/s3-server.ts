import { CreateBucketCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OutputTail, spawnTied, stopChild } from './child-process.js';
import { projectRoot } from './project-root.js';

export interface S3Server {
  /** `http://127.0.0.1:port`; use with `forcePathStyle: true` (see `s3ClientFor`). */
  endpoint: string;
  port: number;
  /** Where s3rver keeps buckets and objects; survives `stop()` and `restart()`. */
  directory: string;
  /** Stops the server; the data stays in `directory`, so `restart()` can bring it back. */
  stop(): Promise<void>;
  /** Stops the server if it is running, then starts it again on the same port and directory. */
  restart(): Promise<void>;
}

export interface StartS3ServerOptions {
  /** Data directory. Default: a fresh directory in the OS temp dir, left for the caller to delete. */
  directory?: string;
  /** Port on 127.0.0.1. Default 0 (any free port). */
  port?: number;
  /** How long to wait for the server to listen, in milliseconds. Default 15000. */
  startTimeoutMs?: number;
  /** Credentials accepted besides s3rver's fixed S3RVER/S3RVER (same account, so the same buckets). */
  accessKeys?: ReadonlyArray<{ accessKeyId: string; secretAccessKey: string }>;
}

// A plain .mjs that tsc does not copy: found from the project root, so that this module works both
// from its source (vitest) and compiled into dist/scripts/local (the demo).
const CHILD_SCRIPT = join(projectRoot(fileURLToPath(import.meta.url)), 'scripts/local/s3rver-child.mjs');

/**
 * Starts s3rver in a child node process (it needs --openssl-legacy-provider for paginated
 * listings, which we do not want to impose on the test process).
 */
export async function startS3Server(opts: StartS3ServerOptions = {}): Promise<S3Server> {
  const directory = opts.directory ?? mkdtempSync(join(tmpdir(), 's3rver-'));
  const timeoutMs = opts.startTimeoutMs ?? 15_000;
  const accessKeys = opts.accessKeys ?? [];
  const first = await spawnS3rver(opts.port ?? 0, directory, timeoutMs, accessKeys);
  const port = first.port;
  let child = first.child;
  let stopping: Promise<void> | undefined;

  const server: S3Server = {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    directory,
    stop: () => (stopping ??= stopChild(child)),
    async restart() {
      await server.stop();
      ({ child } = await spawnS3rver(port, directory, timeoutMs, accessKeys));
      stopping = undefined;
    },
  };
  return server;
}

async function spawnS3rver(
  port: number,
  directory: string,
  timeoutMs: number,
  accessKeys: ReadonlyArray<{ accessKeyId: string; secretAccessKey: string }>,
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawnTied(
    process.execPath,
    ['--openssl-legacy-provider', CHILD_SCRIPT, JSON.stringify({ port, directory, ...(accessKeys.length > 0 ? { accessKeys } : {}) })],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stdout = child.stdout!;
  const stderr = child.stderr!;
  stdout.setEncoding('utf8');
  stderr.setEncoding('utf8');
  const tail = new OutputTail();
  stderr.on('data', (chunk: string) => tail.push(chunk));

  try {
    const boundPort = await new Promise<number>((resolve, reject) => {
      let out = '';
      const fail = (why: string) => reject(new Error(`s3rver did not start on port ${port}: ${why}\nstderr:\n${tail}`));
      const timer = setTimeout(() => fail(`not listening after ${timeoutMs} ms`), timeoutMs);
      const onData = (chunk: string) => {
        out += chunk;
        const newline = out.indexOf('\n');
        if (newline === -1) return;
        cleanup();
        try {
          resolve((JSON.parse(out.slice(0, newline)) as { port: number }).port);
        } catch {
          fail(`unexpected output ${JSON.stringify(out)}`);
        }
      };
      const onExit = (code: number | null, signal: string | null) => {
        cleanup();
        fail(`exited early (code ${code}, signal ${signal})`);
      };
      const onError = (error: Error) => {
        cleanup();
        fail(error.message);
      };
      const cleanup = () => {
        clearTimeout(timer);
        stdout.off('data', onData);
        stdout.resume();
        child.off('exit', onExit);
        child.off('error', onError);
      };
      stdout.on('data', onData);
      child.once('exit', onExit);
      child.once('error', onError);
    });
    return { child, port: boundPort };
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}

/**
 * An S3 client set up for s3rver (path-style addressing, its fixed credentials); `overrides` is
 * for the rest, e.g. `{ maxAttempts: 1 }` in a test that expects a request to fail.
 */
export function s3ClientFor(server: Pick<S3Server, 'endpoint'> | string, overrides: S3ClientConfig = {}): S3Client {
  return new S3Client({
    endpoint: typeof server === 'string' ? server : server.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    ...overrides,
  });
}

export async function createBucket(client: S3Client, name: string): Promise<void> {
  await client.send(new CreateBucketCommand({ Bucket: name }));
}
