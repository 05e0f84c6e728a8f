import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { spawnTied, stopChild } from './child-process.js';
import { freePorts } from './free-ports.js';

export interface ApacheKafkaCluster {
  kind: 'kafka';
  /** Bootstrap addresses, `127.0.0.1:port`, one per node, in node order (node id = index + 1). */
  brokers: string[];
  /**
   * With `security`: the addresses of each node's secured listener (SASL_SSL with `tls`, else
   * SASL_PLAINTEXT), in node order; `brokers` stay plaintext (test input, inter-broker). Else empty.
   */
  secureBrokers: string[];
  /** For the run's log: e.g. `Apache Kafka 4.1.1 (KRaft, 1 node) at 127.0.0.1:40123`. */
  description: string;
  /** Kafka's version, from the broker jar's name, e.g. `4.1.1`. */
  version: string;
  /** Holds each node's config, data and logs (`node-<id>/server.log`); left for the caller to delete. */
  directory: string;
  /** Stops every node still running (SIGTERM, SIGKILL after the grace). Safe to call more than once. */
  stop(): Promise<void>;
  /**
   * Stops one node, by index into `brokers`: SIGTERM (a controlled shutdown that moves its
   * partition leaders away first) then SIGKILL after the grace, or SIGKILL at once with
   * `{ signal: 'SIGKILL' }`. Resolves when the process has exited. Its data stays for `startBroker`.
   */
  stopBroker(index: number, opts?: { signal?: 'SIGTERM' | 'SIGKILL' }): Promise<void>;
  /** Starts a stopped node again on its ports and data; resolves when it answers metadata as a member. */
  startBroker(index: number): Promise<void>;
}

export interface StartApacheKafkaOptions {
  /** Folder of the broker's jars (from `findJvmJars('kafka')`). */
  jarsDir: string;
  /**
   * Number of nodes, each a combined broker and KRaft controller. Default 1. With 3, one node
   * can be stopped while the other two keep a controller quorum and the in-sync replicas.
   */
  brokers?: number;
  /** Parent of the cluster's own directory. Default: the OS temp dir. */
  parentDir?: string;
  /** How long to wait for the cluster (or a restarted node) to answer metadata, in milliseconds. Default 60000. */
  startTimeoutMs?: number;
  /** Maximum heap of each node's JVM, in megabytes. Default 384. */
  heapMb?: number;
  /** Time a node gets to shut down after SIGTERM before SIGKILL, in milliseconds. Default 10000. */
  stopGraceMs?: number;
  /** A second, secured listener on each node (`secureBrokers`); absent: PLAINTEXT only, as always. */
  security?: ApacheKafkaSecurity;
}

/**
 * The secured listener: SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, every user with each), over TLS
 * when `tls` is given. The users' SCRAM credentials are written into the metadata log when storage is
 * formatted (`--add-scram`), their PLAIN passwords into the listener's JAAS config. No authorizer:
 * an authenticated user may do anything.
 */
export interface ApacheKafkaSecurity {
  /** The brokers' certificate chain and its unencrypted PKCS#8 private key, PEM (ssl.keystore.type=PEM). */
  tls?: {
    certificateChain: string;
    privateKey: string;
    /** PEM CA certificate(s): when given, clients must present a certificate they sign (mutual TLS). */
    clientCa?: string;
  };
  /** Users; names and passwords of letters, digits and `-_.` only (they go into JAAS and --add-scram syntax unescaped). */
  users: ReadonlyArray<{ name: string; password: string }>;
}

const SECURE_LISTENER = 'SECURE';

interface KafkaNode {
  readonly id: number;
  readonly port: number;
  readonly controllerPort: number;
  /** The secured listener's port, when the cluster has one. */
  readonly securePort?: number;
  readonly dir: string;
  child?: ChildProcess;
  stopping?: Promise<void>;
}

/**
 * Starts Apache Kafka in KRaft mode on 127.0.0.1 from the jars resolved by scripts/local/jvm:
 * formats each node's storage, starts the JVMs (tied to this process, see spawnTied) and waits
 * until every node is listed by a metadata request. Topics auto-create with 4 partitions (as on
 * the mock cluster), replicated to every node up to 3.
 */
/** Starts of a cluster whose port was taken between freePorts and the JVM's bind, tried with new ports. */
const BIND_ATTEMPTS = 3;

/**
 * Starts the cluster. The ports come from freePorts, released before the JVM binds them seconds
 * later; in between another process (an outgoing connection's ephemeral port) can take one. Such a
 * start (the node's log says BindException) is tried again with fresh ports, and says so on stderr;
 * every other failure is thrown at once.
 */
export async function startApacheKafka(opts: StartApacheKafkaOptions): Promise<ApacheKafkaCluster> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startApacheKafkaOnce(opts);
    } catch (error) {
      const portTaken = /BindException|Address already in use/.test((error as Error).message);
      if (!portTaken || attempt >= BIND_ATTEMPTS) throw error;
      process.stderr.write(`apache-kafka: a port was taken before the broker bound it (attempt ${attempt} of ${BIND_ATTEMPTS}); starting again with new ports\n`);
    }
  }
}

async function startApacheKafkaOnce(opts: StartApacheKafkaOptions): Promise<ApacheKafkaCluster> {
  const count = opts.brokers ?? 1;
  if (!Number.isInteger(count) || count < 1) {
    throw new TypeError(`Expected \`brokers\` to be an integer from 1 and up, got \`${count}\``);
  }
  for (const user of opts.security?.users ?? []) {
    for (const [what, value] of [['name', user.name], ['password', user.password]] as const) {
      if (!/^[A-Za-z0-9._-]+$/.test(value)) throw new TypeError(`Expected a user ${what} of letters, digits and -_. only, got ${JSON.stringify(what === 'name' ? value : '(a password)')}`);
    }
  }
  const version = kafkaVersion(opts.jarsDir);
  const timeoutMs = opts.startTimeoutMs ?? 60_000;
  const heapMb = opts.heapMb ?? 384;
  const graceMs = opts.stopGraceMs ?? 10_000;
  const directory = mkdtempSync(join(opts.parentDir ?? tmpdir(), 'kafka-'));

  const perNode = opts.security ? 3 : 2;
  const ports = await freePorts(perNode * count);
  const nodes: KafkaNode[] = Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    port: ports[perNode * i]!,
    controllerPort: ports[perNode * i + 1]!,
    ...(opts.security ? { securePort: ports[perNode * i + 2]! } : {}),
    dir: join(directory, `node-${i + 1}`),
  }));
  const voters = nodes.map((n) => `${n.id}@127.0.0.1:${n.controllerPort}`).join(',');
  const clusterId = newClusterId();
  for (const node of nodes) writeNodeFiles(node, voters, count, opts.security);
  await Promise.all(nodes.map((node) => formatStorage(opts.jarsDir, node, clusterId, opts.security)));

  const brokers = nodes.map((n) => `127.0.0.1:${n.port}`);
  const nodeAt = (index: number): KafkaNode => {
    const node = nodes[index];
    if (!node) throw new RangeError(`Expected a broker index from 0 to ${count - 1}, got ${index}`);
    return node;
  };
  const stopNode = (node: KafkaNode, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> => {
    const child = node.child;
    if (!child) return Promise.resolve();
    if (signal === 'SIGKILL') child.kill('SIGKILL');
    return (node.stopping ??= stopChild(child, graceMs).then(() => {
      node.child = undefined;
      node.stopping = undefined;
    }));
  };
  const cluster: ApacheKafkaCluster = {
    kind: 'kafka',
    brokers,
    secureBrokers: nodes.flatMap((n) => (n.securePort === undefined ? [] : [`127.0.0.1:${n.securePort}`])),
    description:
      `Apache Kafka ${version} (KRaft, ${count} node${count === 1 ? '' : 's'}) at ${brokers.join(',')}` +
      (opts.security ? ` (${opts.security.tls ? 'SASL_SSL' : 'SASL_PLAINTEXT'} at ${nodes.map((n) => `127.0.0.1:${n.securePort}`).join(',')})` : ''),
    version,
    directory,
    stop: async () => {
      await Promise.all(nodes.map((node) => stopNode(node)));
    },
    stopBroker: (index, stopOpts) => stopNode(nodeAt(index), stopOpts?.signal),
    async startBroker(index) {
      const node = nodeAt(index);
      if (node.child) throw new Error(`Broker ${index} (node ${node.id}) is already running`);
      launchNode(opts.jarsDir, node, heapMb);
      await waitForMembers([node], [node.id], timeoutMs);
    },
  };

  try {
    for (const node of nodes) launchNode(opts.jarsDir, node, heapMb);
    await waitForMembers(nodes, nodes.map((n) => n.id), timeoutMs);
    return cluster;
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

function kafkaVersion(jarsDir: string): string {
  const jar = existsSync(jarsDir) ? readdirSync(jarsDir).find((f) => /^kafka_[\d.]+-.+\.jar$/.test(f)) : undefined;
  if (!jar) throw new Error(`Expected the Kafka broker jar (kafka_2.13-<version>.jar) in ${jarsDir}, found none`);
  return /^kafka_[\d.]+-(.+)\.jar$/.exec(jar)![1]!;
}

/** A KRaft cluster id: a base64url UUID that, like Kafka's own, never starts with '-'. */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function writeNodeFiles(node: KafkaNode, voters: string, count: number, security: ApacheKafkaSecurity | undefined): void {
  mkdirSync(join(node.dir, 'data'), { recursive: true });
  const replication = Math.min(count, 3);
  const minIsr = Math.min(replication, 2);
  const properties: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': node.id,
    'controller.quorum.voters': voters,
    listeners: `PLAINTEXT://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${node.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${node.port}`,
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name': 'PLAINTEXT',
    'log.dirs': join(node.dir, 'data'),
    // What the suite assumes of auto-created topics (the mock cluster's behaviour too).
    'auto.create.topics.enable': true,
    'num.partitions': 4,
    'default.replication.factor': replication,
    // Internal topics sized for the cluster; few partitions, so the first group or transaction of
    // a run does not wait for 50 partitions to be created.
    'offsets.topic.replication.factor': replication,
    'offsets.topic.num.partitions': 8,
    'transaction.state.log.replication.factor': replication,
    'transaction.state.log.min.isr': minIsr,
    'transaction.state.log.num.partitions': 4,
    'share.coordinator.state.topic.replication.factor': replication,
    'share.coordinator.state.topic.min.isr': minIsr,
    // Tests join groups all the time: no waiting for more members, and short sessions allowed.
    'group.initial.rebalance.delay.ms': 0,
    'group.min.session.timeout.ms': 1000,
    // The log cleaner looks for dirty compacted logs every second, not every 15 s, so a test of a
    // compacted topic waits for compaction as long as its own segment settings say.
    'log.cleaner.backoff.ms': 1000,
    ...(security ? secureListenerProperties(node, security) : {}),
    // Retention runs every second, not every 5 minutes, so a test of records expiring (a retention
    // gap) waits as long as its topic's own retention settings say. Topics without a retention of
    // their own keep everything: tests produce records with old timestamps (January 2026, 2023),
    // which the default 7 days would delete at the next check, now within a second.
    'log.retention.check.interval.ms': 1000,
    'log.retention.ms': -1,
  };
  const text = Object.entries(properties)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
  writeFileSync(join(node.dir, 'server.properties'), `${text}\n`);
  // Warnings and errors only, to a file: the tests' output stays readable, and a start error shows its tail.
  writeFileSync(
    join(node.dir, 'log4j2.properties'),
    [
      'status = warn',
      'appender.file.type = File',
      'appender.file.name = FILE',
      `appender.file.fileName = ${join(node.dir, 'server.log')}`,
      'appender.file.layout.type = PatternLayout',
      'appender.file.layout.pattern = [%d] %p %m (%c)%n',
      'rootLogger.level = warn',
      'rootLogger.appenderRef.file.ref = FILE',
      '',
    ].join('\n'),
  );
}

function jvmArgs(node: KafkaNode, heapMb: number): string[] {
  return [
    `-Xmx${heapMb}m`,
    '-Xms64m',
    '-XX:+UseSerialGC',
    // C1 only: a test broker's JIT work at start-up costs more CPU than it ever wins back here.
    '-XX:TieredStopAtLevel=1',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${join(node.dir, 'log4j2.properties')}`,
  ];
}

/**
 * The SECURE listener next to PLAINTEXT (which stays the inter-broker listener and the one the
 * start-up wait polls). Property values are single-line, so the PEM keystore is a file.
 */
function secureListenerProperties(node: KafkaNode, security: ApacheKafkaSecurity): Record<string, string> {
  const l = SECURE_LISTENER.toLowerCase();
  const protocol = security.tls ? 'SASL_SSL' : 'SASL_PLAINTEXT';
  const plainUsers = security.users.map((u) => `user_${u.name}="${u.password}"`).join(' ');
  const properties: Record<string, string> = {
    listeners: `PLAINTEXT://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${node.controllerPort},${SECURE_LISTENER}://127.0.0.1:${node.securePort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${node.port},${SECURE_LISTENER}://127.0.0.1:${node.securePort}`,
    'listener.security.protocol.map': `PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,${SECURE_LISTENER}:${protocol}`,
    [`listener.name.${l}.sasl.enabled.mechanisms`]: 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    [`listener.name.${l}.plain.sasl.jaas.config`]: `org.apache.kafka.common.security.plain.PlainLoginModule required ${plainUsers};`,
    [`listener.name.${l}.scram-sha-256.sasl.jaas.config`]: 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    [`listener.name.${l}.scram-sha-512.sasl.jaas.config`]: 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
  };
  if (security.tls) {
    // A PEM keystore file holds the private key and the certificate chain (KIP-651).
    const keystore = join(node.dir, 'keystore.pem');
    writeFileSync(keystore, `${security.tls.privateKey.trim()}\n${security.tls.certificateChain.trim()}\n`, { mode: 0o600 });
    properties[`listener.name.${l}.ssl.keystore.type`] = 'PEM';
    properties[`listener.name.${l}.ssl.keystore.location`] = keystore;
    if (security.tls.clientCa) {
      const truststore = join(node.dir, 'truststore.pem');
      writeFileSync(truststore, security.tls.clientCa);
      properties[`listener.name.${l}.ssl.truststore.type`] = 'PEM';
      properties[`listener.name.${l}.ssl.truststore.location`] = truststore;
      properties[`listener.name.${l}.ssl.client.auth`] = 'required';
    }
  }
  return properties;
}

async function formatStorage(jarsDir: string, node: KafkaNode, clusterId: string, security: ApacheKafkaSecurity | undefined): Promise<void> {
  const args = [
    ...jvmArgs(node, 128),
    '-cp',
    join(jarsDir, '*'),
    'kafka.tools.StorageTool',
    'format',
    '-t',
    clusterId,
    '-c',
    join(node.dir, 'server.properties'),
    ...(security?.users ?? []).flatMap((u) =>
      ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((m) => ['--add-scram', `${m}=[name=${u.name},password=${u.password}]`]),
    ),
  ];
  const child = spawnTied('java', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (output += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (output += c));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (c) => resolve(c));
  });
  if (code !== 0) {
    throw new Error(`Kafka storage format of node ${node.id} exited with code ${code}, expected 0:\n${output.slice(-4000)}`);
  }
}

function launchNode(jarsDir: string, node: KafkaNode, heapMb: number): void {
  // The JVM's own output (a crash before log4j starts, an unknown option) goes to a file next to server.log.
  const out = openSync(join(node.dir, 'stdout.log'), 'a');
  try {
    const args = [...jvmArgs(node, heapMb), '-cp', join(jarsDir, '*'), 'kafka.Kafka', join(node.dir, 'server.properties')];
    const child = spawnTied('java', args, { stdio: ['ignore', out, out] });
    // An exit is noticed by waitForMembers; without a listener a spawn error would be thrown.
    child.on('error', () => {});
    node.child = child;
  } finally {
    closeSync(out);
  }
}

/** Polls metadata through `via` until it lists every node id in `ids`; fails early if a node exits. */
async function waitForMembers(via: KafkaNode[], ids: number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const kafka = new Kafka({
    clientId: 'streamvault-kafka-start',
    brokers: via.map((n) => `127.0.0.1:${n.port}`),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 2_000,
    retry: { retries: 0 },
  });
  let lastSeen = 'no answer yet';
  for (;;) {
    const exited = via.find((n) => !n.child || n.child.exitCode !== null || n.child.signalCode !== null);
    if (exited) {
      const how = exited.child ? `code ${exited.child.exitCode}, signal ${exited.child.signalCode}` : 'not running';
      throw new Error(`Kafka node ${exited.id} exited while starting (${how})\n${nodeLogTail(exited)}`);
    }
    const admin = kafka.admin();
    try {
      await admin.connect();
      const { brokers } = await admin.describeCluster();
      const listed = new Set(brokers.map((b) => b.nodeId));
      if (ids.every((id) => listed.has(id))) return;
      lastSeen = `metadata lists nodes [${[...listed].join(', ')}]`;
    } catch (error) {
      lastSeen = (error as Error).message;
    } finally {
      await admin.disconnect().catch(() => {});
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Kafka did not list nodes [${ids.join(', ')}] within ${timeoutMs} ms (last: ${lastSeen})\n` +
          via.map(nodeLogTail).join('\n'),
      );
    }
    await sleep(250);
  }
}

function nodeLogTail(node: KafkaNode): string {
  const tail = (file: string) => {
    const path = join(node.dir, file);
    return existsSync(path) ? readFileSync(path, 'utf8').slice(-3000) : '(none)';
  };
  return `--- node ${node.id} ${join(node.dir, 'server.log')}:\n${tail('server.log')}\n--- node ${node.id} stdout.log:\n${tail('stdout.log')}`;
}
