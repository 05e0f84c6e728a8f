// Hosts s3rver in its own process. It must run with --openssl-legacy-provider: s3rver encrypts
// ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only offers through that provider.
// Usage: node --openssl-legacy-provider s3rver-child.mjs '{"port":0,"directory":"/tmp/x","accessKeys":[...]}'
// accessKeys (optional): [{"accessKeyId","secretAccessKey"}] accepted besides s3rver's own S3RVER/S3RVER.
// Prints one JSON line {"port":N} on stdout once listening.
import S3rver from 's3rver';
import AWSAccount from 's3rver/lib/models/account.js';

const { port, directory, accessKeys } = JSON.parse(process.argv[2] ?? '{}');
for (const { accessKeyId, secretAccessKey } of accessKeys ?? []) AWSAccount.DUMMY_ACCOUNT.createKeyPair(accessKeyId, secretAccessKey);
const server = new S3rver({ port: port ?? 0, address: '127.0.0.1', silent: true, directory });
const { port: boundPort } = await server.run();
process.stdout.write(`${JSON.stringify({ port: boundPort })}\n`);

let closing = false;
function shutdown() {
  if (closing) return;
  closing = true;
  // Clients keep connections alive; without dropping them close() would wait for them forever.
  server.httpServer.closeAllConnections();
  server.close().finally(() => process.exit(0));
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
