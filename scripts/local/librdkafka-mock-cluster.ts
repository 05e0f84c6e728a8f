import { OutputTail, spawnTied, stopChild } from './child-process.js';

export interface MockKafkaCluster {
  kind: 'mock';
  /** Bootstrap addresses, `127.0.0.1:port`, one per mock broker. */
  brokers: string[];
  /** For the run's log: `librdkafka mock cluster (kcat, 3 brokers) at ...`. */
  description: string;
  /** Kills the cluster (all its data is in memory and is lost). Safe to call more than once. */
  stop(): Promise<void>;
}

export interface StartMockKafkaClusterOptions {
  /** Number of mock brokers. Default 3. */
  brokers?: number;
  /** How long to wait for the cluster to come up, in milliseconds. Default 15000. */
  startTimeoutMs?: number;
}

const CLUSTER_LINE = /Mock cluster enabled:.*replaced with (\S+)/;

/**
 * Starts librdkafka's mock cluster inside a kcat process. Each call gives an independent, empty
 * cluster. Limits (see TEST_INFRA.md): no controller, so no createTopics/idempotent producer;
 * topics auto-create with 4 partitions; about 5 MB retained per partition.
 */
export async function startMockKafkaCluster(opts: StartMockKafkaClusterOptions = {}): Promise<MockKafkaCluster> {
  const count = opts.brokers ?? 3;
  if (!Number.isInteger(count) || count < 1) {
    throw new TypeError(`Expected \`brokers\` to be an integer from 1 and up, got \`${count}\``);
  }
  const timeoutMs = opts.startTimeoutMs ?? 15_000;
  // The bootstrap address is a placeholder: the mock replaces it. Consuming a topic is only a way
  // to keep kcat (and so the cluster) alive; `-d generic` makes it print the cluster's addresses.
  const args = ['-b', 'localhost:1', '-X', `test.mock.num.brokers=${count}`, '-C', '-t', 'keepalive', '-d', 'generic'];
  const child = spawnTied('kcat', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr = child.stderr!;
  stderr.setEncoding('utf8');

  const tail = new OutputTail();
  // Must keep reading stderr for the whole life of kcat, or it blocks on a full pipe.
  stderr.on('data', (chunk: string) => tail.push(chunk));

  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= stopChild(child));

  try {
    const brokers = await new Promise<string[]>((resolve, reject) => {
      let seen = '';
      const fail = (why: string) =>
        reject(new Error(`kcat mock cluster did not start: ${why} (is kcat installed? apt-get install kcat)\nstderr:\n${tail}`));
      const timer = setTimeout(() => fail(`no cluster addresses after ${timeoutMs} ms`), timeoutMs);
      const onData = (chunk: string) => {
        seen = (seen + chunk).slice(-64_000);
        const match = CLUSTER_LINE.exec(seen);
        if (!match) return;
        cleanup();
        resolve(match[1]!.split(','));
      };
      const onExit = (code: number | null, signal: string | null) => {
        cleanup();
        fail(`kcat exited early (code ${code}, signal ${signal})`);
      };
      const onError = (error: Error) => {
        cleanup();
        fail(error.message);
      };
      const cleanup = () => {
        clearTimeout(timer);
        stderr.off('data', onData);
        child.off('exit', onExit);
        child.off('error', onError);
      };
      stderr.on('data', onData);
      child.once('exit', onExit);
      child.once('error', onError);
    });
    const description = `librdkafka mock cluster (kcat, ${count} broker${count === 1 ? '' : 's'}) at ${brokers.join(',')}`;
    return { kind: 'mock', brokers, description, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
