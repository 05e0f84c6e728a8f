// Kafka TLS and SASL end to end: a broker of its own with a SASL_SSL listener that requires a client
// certificate (mutual TLS) and knows three users, each with SCRAM-SHA-256, SCRAM-SHA-512 and PLAIN
// credentials; certificates made by the test (openssl). The data is asserted in S3 and on the topics.
import { Kafka, logLevel } from 'kafkajs';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readTopics } from '../../../scripts/local/read-topics.js';
import { DecryptingObjectStore } from '../../../src/storage/decrypting-object-store.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { S3ObjectStore } from '../../../src/storage/s3-object-store.js';
import { backupEnv, pairsEnv } from '../../helpers/backup-env.js';
import { newBackupTarget } from '../../helpers/backup-target.js';
import { withCleanup } from '../../helpers/cleanup.js';
import { startKafkaBroker, type ApacheKafkaCluster } from '../../helpers/kafka-broker.js';
import { uniqueName } from '../../helpers/names.js';
import { readBackup } from '../../helpers/read-backup.js';
import { runCliCaptured } from '../../helpers/run-cli-captured.js';
import { createBucket, s3ClientFor, startS3Server, type S3Server } from '../../helpers/s3-server.js';
import { sharedKafkaKind } from '../../helpers/shared-servers.js';
import { spawnStreamvault, type StreamvaultProcess } from '../../helpers/streamvault-process.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { generateTestCertificates, type TestServerCertificates } from '../../helpers/test-certificates.js';
import { testProducer } from '../../helpers/test-producer.js';
import { until } from '../../helpers/until.js';

const USERS = {
  alice: { name: 'alice', password: 'alice-pw-3e1f0c' },
  bob: { name: 'bob', password: 'bob-pw-77a2d9' },
  // The no-secret test's user: a password distinctive enough to search every output for.
  carol: { name: 'carol', password: 'Sv-kafka-secret-9f3b1d2e' },
};

describe.skipIf(sharedKafkaKind() !== 'kafka')('Kafka TLS and SASL (real Kafka only: SCRAM users and a SASL_SSL listener)', () => {
  let broker: ApacheKafkaCluster;
  let certs: TestServerCertificates;
  /** A client on the broker's plaintext listener: test input and reading the restored topics. */
  let plain: Kafka;

  beforeAll(async () => {
    certs = generateTestCertificates();
    const started = withCleanup(
      await startKafkaBroker({
        kind: 'kafka',
        security: {
          tls: { certificateChain: certs.certificatePem, privateKey: certs.privateKeyPem, clientCa: certs.caPem },
          users: Object.values(USERS),
        },
      }),
    );
    if (started.kind !== 'kafka') throw new Error('expected real Kafka');
    broker = started;
    plain = new Kafka({ brokers: broker.brokers, logLevel: logLevel.NOTHING, clientId: 'kafka-security-test' });
  }, 120_000);

  const tlsEnv = (caFile = certs.caFile): Record<string, string> => ({
    STREAMVAULT_KAFKA_SSL: 'true',
    STREAMVAULT_KAFKA_SSL_CA_FILE: caFile,
    STREAMVAULT_KAFKA_SSL_CERT_FILE: certs.clientCertFile,
    STREAMVAULT_KAFKA_SSL_KEY_FILE: certs.clientKeyFile,
  });

  async function produce(topic: string, count: number): Promise<string[]> {
    const producer = testProducer(plain);
    await producer.connect();
    try {
      const values = Array.from({ length: count }, (_, i) => `${topic}-value-${i}`);
      await producer.send({ topic, messages: values.map((v, i) => ({ partition: i % 4, key: `k${i}`, value: v })) });
      return values;
    } finally {
      await producer.disconnect();
    }
  }

  it.each([
    { mechanism: 'scram-sha-512', user: USERS.alice, passwordFrom: 'variable' },
    { mechanism: 'scram-sha-256', user: USERS.bob, passwordFrom: 'file' },
    { mechanism: 'plain', user: USERS.alice, passwordFrom: 'variable' },
  ] as const)('backs up over SASL_SSL with $mechanism (password from a $passwordFrom): the objects hold every record', { timeout: 120_000 }, async ({ mechanism, user, passwordFrom }) => {
    const topic = uniqueName(`sec-${mechanism}`);
    const values = await produce(topic, 40);
    const passwordEnv: Record<string, string> = {};
    if (passwordFrom === 'file') {
      const file = join(makeTempDir('secret-'), 'password');
      writeFileSync(file, `${user.password}\n`, { mode: 0o600 });
      passwordEnv.STREAMVAULT_KAFKA_SASL_PASSWORD_FILE = file;
    } else {
      passwordEnv.STREAMVAULT_KAFKA_SASL_PASSWORD = user.password;
    }
    const target = await newBackupTarget('sec', {
      brokers: broker.secureBrokers,
      pairs: { 'samples/sourced': topic },
      extra: { ...tlsEnv(), STREAMVAULT_KAFKA_SASL_MECHANISM: mechanism, STREAMVAULT_KAFKA_SASL_USERNAME: user.name, ...passwordEnv },
    });
    const run = withCleanup(spawnStreamvault(['backup', '--once'], target.env));
    expect(await run.exited, run.stderrText()).toBe(0);

    const contents = await readBackup(target.store, target.layout);
    expect(contents.indexed).toBe(true);
    expect([...contents.records.values()].map((r) => r.value!.toString()).sort()).toEqual([...values].sort());
    // The group's offsets were committed through the secured listener too: a second run has nothing to do.
    const [committed] = await withAdmin((admin) => admin.fetchOffsets({ groupId: target.group, topics: [topic] }));
    expect(committed!.partitions.map((p) => Number(p.offset)).reduce((a, b) => a + b, 0)).toBe(values.length);
  });

  it('restores and drills into the secured broker with the target\'s own TLS and SASL settings (the backup read the plaintext listener)', { timeout: 240_000 }, async () => {
    const topic = uniqueName('sec-restore');
    const values = await produce(topic, 30);
    const target = await newBackupTarget('secr', { brokers: broker.brokers, pairs: { 'samples/sourced': topic } });
    const backup = withCleanup(spawnStreamvault(['backup', '--once'], target.env));
    expect(await backup.exited, backup.stderrText()).toBe(0);

    const restoredTopic = `${topic}-restored`;
    const targetEnv = {
      ...target.env,
      STREAMVAULT_RESTORE_KAFKA_BROKERS: broker.secureBrokers.join(','),
      STREAMVAULT_RESTORE_KAFKA_SSL: 'true',
      STREAMVAULT_RESTORE_KAFKA_SSL_CA_FILE: certs.caFile,
      STREAMVAULT_RESTORE_KAFKA_SSL_CERT_FILE: certs.clientCertFile,
      STREAMVAULT_RESTORE_KAFKA_SSL_KEY_FILE: certs.clientKeyFile,
      STREAMVAULT_RESTORE_KAFKA_SASL_MECHANISM: 'scram-sha-256',
      STREAMVAULT_RESTORE_KAFKA_SASL_USERNAME: USERS.bob.name,
      STREAMVAULT_RESTORE_KAFKA_SASL_PASSWORD: USERS.bob.password,
    };
    const restore = withCleanup(
      spawnStreamvault(['restore', '--what', 'events'], {
        ...targetEnv,
        STREAMVAULT_STATE_DIR: makeTempDir('restore-state-'),
        STREAMVAULT_RESTORE_TOPIC_TEMPLATE: '{topic}-restored',
      }),
    );
    expect(await restore.exited, restore.stderrText()).toBe(0);
    const restored = await readTopics(plain, [restoredTopic], 30_000);
    expect(restored.map((r) => r.value!.toString()).sort()).toEqual([...values].sort());

    // The drill restores into scratch topics on the same secured target and reads them back there.
    const prefix = `${uniqueName('drill')}-`;
    const stateDir = makeTempDir('drill-state-');
    const reportPath = join(stateDir, 'report.json');
    const drill = withCleanup(spawnStreamvault(['drill', '--report', reportPath, '--topic-prefix', prefix, '--keep'], { ...targetEnv, STREAMVAULT_STATE_DIR: stateDir }));
    expect(await drill.exited, drill.stderrText()).toBe(0);
    const report = JSON.parse(readFileSync(reportPath, 'utf8')) as { result: string; records: { expected: number; matched: number } };
    expect(report).toMatchObject({ result: 'passed', records: { expected: values.length, matched: values.length } });
    const scratch = await readTopics(plain, [`${prefix}${topic}`], 30_000);
    expect(scratch.map((r) => r.value!.toString()).sort()).toEqual([...values].sort());
  });

  it('a wrong password is refused at once with exit 1 and a message naming the mechanism and the user, never the password', { timeout: 60_000 }, async () => {
    const wrong = 'wrong-pw-5d0c2b8a';
    const target = await newBackupTarget('secw', {
      brokers: broker.secureBrokers,
      pairs: { 'samples/sourced': uniqueName('sec-wrong') },
      extra: {
        ...tlsEnv(),
        STREAMVAULT_KAFKA_SASL_MECHANISM: 'scram-sha-512',
        STREAMVAULT_KAFKA_SASL_USERNAME: USERS.alice.name,
        STREAMVAULT_KAFKA_SASL_PASSWORD: wrong,
        // Far beyond the test's timeout: the refusal must not be waited out.
        STREAMVAULT_KAFKA_CONNECT_TIMEOUT_SECONDS: '600',
      },
    });
    const run = withCleanup(spawnStreamvault(['backup', '--once'], target.env));
    expect(await run.exited).toBe(1);
    const stderr = run.stderrText();
    expect(stderr).toContain(`the Kafka brokers ${broker.secureBrokers[0]} refused the credentials (TLS, SASL scram-sha-512 as user "alice")`);
    expect(stderr).toMatch(/SASL SCRAM SHA512 authentication failed/);
    expect(`${stderr}${JSON.stringify(run.logs)}`).not.toContain(wrong);
    const written: string[] = [];
    for await (const object of target.store.list('')) written.push(object.key);
    expect(written.filter((key) => key.startsWith('events/') || key.startsWith('manifests/'))).toEqual([]);
  });

  it('a broker certificate not signed by the configured CA is refused at once, saying so', { timeout: 60_000 }, async () => {
    const target = await newBackupTarget('secca', {
      brokers: broker.secureBrokers,
      pairs: { 'samples/sourced': uniqueName('sec-ca') },
      extra: {
        ...tlsEnv(certs.otherCaFile),
        STREAMVAULT_KAFKA_SASL_MECHANISM: 'scram-sha-512',
        STREAMVAULT_KAFKA_SASL_USERNAME: USERS.alice.name,
        STREAMVAULT_KAFKA_SASL_PASSWORD: USERS.alice.password,
        STREAMVAULT_KAFKA_CONNECT_TIMEOUT_SECONDS: '600',
      },
    });
    const run = withCleanup(spawnStreamvault(['backup', '--once'], target.env));
    expect(await run.exited).toBe(1);
    expect(run.stderrText()).toMatch(
      new RegExp(`the TLS certificate of the Kafka brokers ${broker.secureBrokers[0]} was not accepted \\((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|UNABLE_TO_VERIFY_LEAF_SIGNATURE); TLS, SASL scram-sha-512 as user "alice"\\)`),
    );
  });

  describe('no secret in any output', () => {
    const S3_ACCESS_KEY_ID = 'sv-test-access-key-id';
    const S3_SECRET = 'Sv-s3-secret-4a7c9e0b';
    const S3_SESSION_TOKEN = 'Sv-s3-session-token-61d0aa';
    // Read by the AWS SDK's default chain (restore below has no STREAMVAULT_S3_ACCESS_KEY_ID).
    const AWS_ENV_ACCESS_KEY_ID = 'sv-env-access-key-id';
    const AWS_ENV_SECRET = 'Sv-aws-env-secret-0b9e44';
    const WRONG_KAFKA_PASSWORD = 'Sv-wrong-kafka-secret-c4e8';
    const WRONG_S3_SECRET = 'Sv-wrong-s3-secret-2f6d';
    // The client-side encryption key (hex, as configured) and the same 32 bytes in base64.
    const ENCRYPTION_KEY = '5f7e3c1a9b8d6e4f2a0c1b3d5e7f9a8b6c4d2e0f1a3b5c7d9e8f6a4b2c0d1e3f';
    const ENCRYPTION_KEY_BASE64 = Buffer.from(ENCRYPTION_KEY, 'hex').toString('base64');
    const secrets = [
      USERS.carol.password,
      S3_SECRET,
      S3_SESSION_TOKEN,
      AWS_ENV_SECRET,
      WRONG_KAFKA_PASSWORD,
      WRONG_S3_SECRET,
      ENCRYPTION_KEY,
      ENCRYPTION_KEY_BASE64,
    ];
    /** What a leak could look like besides the value itself: encodings an auth payload or a header would use. */
    const forms = (secret: string): string[] => [
      secret,
      Buffer.from(secret).toString('base64'),
      Buffer.from(secret).toString('base64url'),
      Buffer.from(secret).toString('hex'),
      Buffer.from(`\u0000${USERS.carol.name}\u0000${secret}`).toString('base64'),
      encodeURIComponent(secret),
      secret.slice(0, 12),
    ];
    let s3: S3Server;
    const outputs: Array<{ what: string; text: string }> = [];
    const capture = (what: string, p: StreamvaultProcess) => outputs.push({ what, text: `${p.stdout()}\n${p.stderrText()}\n${p.logs.map((l) => JSON.stringify(l)).join('\n')}` });

    beforeAll(async () => {
      s3 = withCleanup(
        await startS3Server({
          accessKeys: [
            { accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: S3_SECRET },
            { accessKeyId: AWS_ENV_ACCESS_KEY_ID, secretAccessKey: AWS_ENV_SECRET },
          ],
        }),
      );
    });

    it('backup (daemon, --once --json), restore --json, --help, /metrics and the error paths print none of them', { timeout: 240_000 }, async () => {
      const topic = uniqueName('sec-leak');
      const values = await produce(topic, 25);
      const bucket = uniqueName('secleak');
      await createBucket(s3ClientFor(s3), bucket);
      // The test reads the backup with the same key (the daemon encrypts it: one more secret in play).
      const key = { id: 'no-secret-test', key: Buffer.from(ENCRYPTION_KEY, 'hex') };
      const store = new DecryptingObjectStore(new S3ObjectStore(s3ClientFor(s3), bucket), { current: key, byId: new Map([[key.id, key.key]]) }, 'events/');
      const kafkaSecret = {
        ...tlsEnv(),
        STREAMVAULT_KAFKA_SASL_MECHANISM: 'plain',
        STREAMVAULT_KAFKA_SASL_USERNAME: USERS.carol.name,
        STREAMVAULT_KAFKA_SASL_PASSWORD: USERS.carol.password,
      };
      const env = backupEnv({
        brokers: broker.secureBrokers,
        s3Endpoint: s3.endpoint,
        bucket,
        stateDir: makeTempDir('state-'),
        extra: {
          ...pairsEnv({ 'samples/sourced': topic }),
          ...kafkaSecret,
          STREAMVAULT_KAFKA_GROUP_ID: uniqueName('grp'),
          STREAMVAULT_S3_ACCESS_KEY_ID: S3_ACCESS_KEY_ID,
          STREAMVAULT_S3_SECRET_ACCESS_KEY: S3_SECRET,
          STREAMVAULT_S3_SESSION_TOKEN: S3_SESSION_TOKEN,
          STREAMVAULT_ENCRYPTION_KEY: ENCRYPTION_KEY,
          STREAMVAULT_ENCRYPTION_KEY_ID: 'no-secret-test',
          STREAMVAULT_LOG_LEVEL: 'debug',
          STREAMVAULT_LAG_POLL_SECONDS: '0.5',
          STREAMVAULT_PROGRESS_LOG_SECONDS: '1',
        },
      });

      // The daemon: every record in the bucket, the lag poll (its own admin client) at zero, /metrics read.
      const daemon = withCleanup(spawnStreamvault(['backup'], env));
      const listening = await daemon.waitForLog((l) => l.msg.startsWith('metrics and health listening'), 60_000);
      const base = `http://127.0.0.1:${listening.port as number}`;
      const metrics = await until('the lag poll reports zero lag on every partition', async () => {
        const text = await (await fetch(`${base}/metrics`)).text();
        const lags = [0, 1, 2, 3].map((p) => new RegExp(`streamvault_consumer_lag\\{[^}]*partition="${p}"[^}]*\\} 0\\b`).test(text));
        return lags.every(Boolean) ? text : undefined;
      }, 90_000);
      outputs.push({ what: '/metrics', text: metrics });
      for (const path of ['/healthz', '/readyz']) outputs.push({ what: path, text: await (await fetch(`${base}${path}`)).text() });
      const contents = await until('every record backed up', async () => {
        const c = await readBackup(store, new KeyLayout(''));
        return c.indexedRecords === values.length ? c : undefined;
      }, 60_000);
      expect([...contents.records.values()].map((r) => r.value!.toString()).sort()).toEqual([...values].sort());
      daemon.child.kill('SIGTERM');
      expect(await daemon.exited).toBe(0);
      capture('backup daemon', daemon);

      // --once --json: its progress lines (nothing new, but the plan, status and summary are printed).
      const once = withCleanup(spawnStreamvault(['backup', '--once', '--json'], env));
      expect(await once.exited, once.stderrText()).toBe(0);
      expect(once.stdout()).toContain('"message_type":"summary"');
      capture('backup --once --json', once);

      // restore --json into the secured broker, S3 credentials from the SDK's default chain (AWS_* variables).
      const { STREAMVAULT_S3_ACCESS_KEY_ID: _id, STREAMVAULT_S3_SECRET_ACCESS_KEY: _key, STREAMVAULT_S3_SESSION_TOKEN: _token, ...withoutS3Keys } = env;
      const restore = withCleanup(
        spawnStreamvault(['restore', '--what', 'events', '--json'], {
          ...withoutS3Keys,
          AWS_ACCESS_KEY_ID: AWS_ENV_ACCESS_KEY_ID,
          AWS_SECRET_ACCESS_KEY: AWS_ENV_SECRET,
          STREAMVAULT_STATE_DIR: makeTempDir('restore-state-'),
          STREAMVAULT_RESTORE_TOPIC_TEMPLATE: '{topic}-restored',
        }),
      );
      expect(await restore.exited, restore.stderrText()).toBe(0);
      expect(restore.stdout()).toContain('"message_type":"summary"');
      capture('restore --json', restore);
      const restored = await readTopics(plain, [`${topic}-restored`], 30_000);
      expect(restored.map((r) => r.value!.toString()).sort()).toEqual([...values].sort());

      // Error paths: a wrong Kafka password, a wrong S3 secret, a configuration error next to the secrets.
      const wrongKafka = withCleanup(spawnStreamvault(['backup', '--once'], { ...env, STREAMVAULT_KAFKA_SASL_PASSWORD: WRONG_KAFKA_PASSWORD }));
      expect(await wrongKafka.exited).toBe(1);
      expect(wrongKafka.stderrText()).toContain('refused the credentials (TLS, SASL plain as user "carol")');
      capture('wrong Kafka password', wrongKafka);
      // s3rver checks the access key id but not SigV4 signatures, so the refused S3 credentials are an unknown key id.
      const wrongS3 = withCleanup(
        spawnStreamvault(['backup', '--once'], {
          ...env,
          STREAMVAULT_S3_ACCESS_KEY_ID: 'sv-unknown-access-key-id',
          STREAMVAULT_S3_SECRET_ACCESS_KEY: WRONG_S3_SECRET,
          STREAMVAULT_S3_MAX_ATTEMPTS: '1',
        }),
      );
      expect(await wrongS3.exited).toBe(1);
      expect(wrongS3.stderrText()).toContain(`cannot reach bucket ${bucket}`);
      expect(wrongS3.stderrText()).toContain('(HTTP 403: the credentials were refused or may not use this bucket; access key id sv-unknown-access-key-id from STREAMVAULT_S3_ACCESS_KEY_ID)');
      capture('wrong S3 secret', wrongS3);
      const badConfig = withCleanup(
        spawnStreamvault(['backup', '--once'], { ...env, STREAMVAULT_KAFKA_SASL_PASSWORD_FILE: '/nonexistent/password', STREAMVAULT_BATCH_MAX_EVENTS: 'many' }),
      );
      expect(await badConfig.exited).toBe(2);
      expect(badConfig.stderrText()).toContain('STREAMVAULT_KAFKA_SASL_PASSWORD / STREAMVAULT_KAFKA_SASL_PASSWORD_FILE: expected one of them, not both');
      capture('configuration error', badConfig);

      // --help of the program and of each command, with the secrets in the environment.
      for (const argv of [['--help'], ['backup', '--help'], ['restore', '--help'], ['drill', '--help']]) {
        const help = await runCliCaptured(argv, { ...env, AWS_SECRET_ACCESS_KEY: AWS_ENV_SECRET });
        expect(help.code).toBe(0);
        outputs.push({ what: argv.join(' '), text: `${help.out}${help.err}` });
      }
      expect(outputs.find((o) => o.what === '--help')!.text).toContain('STREAMVAULT_KAFKA_SASL_PASSWORD');

      const leaks = outputs.flatMap(({ what, text }) => secrets.flatMap((secret) => forms(secret).filter((form) => text.includes(form)).map((form) => `${what}: ${form}`)));
      expect(leaks).toEqual([]);
      // The captures are real: they hold what the runs said.
      expect(outputs.find((o) => o.what === 'backup daemon')!.text).toContain('shutdown complete');
    });
  });

  async function withAdmin<T>(fn: (admin: ReturnType<Kafka['admin']>) => Promise<T>): Promise<T> {
    const admin = plain.admin();
    await admin.connect();
    try {
      return await fn(admin);
    } finally {
      await admin.disconnect();
    }
  }
});
