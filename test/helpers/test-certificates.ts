import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from './temp-dir.js';

export interface TestCertificateAuthority {
  /** PEM file and content of the CA certificate. */
  readonly caFile: string;
  readonly caPem: string;
}

export interface TestServerCertificates extends TestCertificateAuthority {
  /** The server's certificate (signed by the CA; SAN IP:127.0.0.1, DNS:localhost) and its unencrypted PKCS#8 key, PEM. */
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  /** A client certificate and key from the same CA, as files (mutual TLS). */
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  /** A second, unrelated CA: the brokers' certificate does not chain to it. */
  readonly otherCaFile: string;
}

/** Fresh certificates made with the openssl CLI in a temporary directory: a CA, a server certificate for 127.0.0.1, a client one, and an unrelated CA. */
export function generateTestCertificates(): TestServerCertificates {
  const dir = makeTempDir('certs-');
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const newCa = (name: string) =>
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      '-keyout', `${name}.key`, '-out', `${name}.crt`);
  const signed = (name: string, extensions: string) => {
    writeFileSync(join(dir, `${name}.ext`), extensions);
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`);
  };
  newCa('ca');
  newCa('other-ca');
  signed('server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  signed('client', 'extendedKeyUsage=clientAuth\n');
  const read = (file: string) => readFileSync(join(dir, file), 'utf8');
  return {
    caFile: join(dir, 'ca.crt'),
    caPem: read('ca.crt'),
    certificatePem: read('server.crt'),
    privateKeyPem: read('server.key'),
    clientCertFile: join(dir, 'client.crt'),
    clientKeyFile: join(dir, 'client.key'),
    otherCaFile: join(dir, 'other-ca.crt'),
  };
}
