import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/exit-codes.js';
import { backupEnv } from '../../helpers/backup-env.js';
import { runCliCaptured } from '../../helpers/run-cli-captured.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

// An S3 endpoint that accepts connections and never answers (issue 10, item 9): before the
// timeouts, every command hung on it silently.
describe('S3 timeouts', () => {
  let server: Server;
  const sockets = new Set<Socket>();
  let endpoint: string;

  beforeAll(async () => {
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.resume(); // read the request, answer nothing
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const env = () =>
    backupEnv({
      brokers: ['127.0.0.1:1'],
      s3Endpoint: endpoint,
      bucket: 'never-answers',
      stateDir: makeTempDir('state-'),
      extra: { STREAMVAULT_S3_REQUEST_TIMEOUT_MS: '1500', STREAMVAULT_S3_SOCKET_TIMEOUT_MS: '1000', STREAMVAULT_S3_MAX_ATTEMPTS: '2' },
    });

  for (const argv of [['verify'], ['stats'], ['restore', '--dry-run']]) {
    it(`${argv.join(' ')} fails with exit 1 and names the endpoint instead of hanging`, async () => {
      const result = await runCliCaptured(argv, env());
      expect(result.code).toBe(ExitCode.failure);
      expect(result.err).toContain(`cannot reach bucket never-answers at ${endpoint}`);
      expect(result.err).toMatch(/timed out/i);
    }, 30_000);
  }
});
