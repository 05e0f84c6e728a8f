import kafkajs, { type Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import { TargetReader } from '../../../src/restore/target-scan.js';

/** kafkajs's type declarations leave out the constructor's argument that its src/errors.js takes. */
const KafkaJSProtocolError = kafkajs.KafkaJSProtocolError as unknown as new (e: object) => Error;

/** A cluster whose admin clients answer fetchTopicOffsets with `answers` in turn (an Error is thrown). */
function fakeKafka(answers: Array<Error | Array<{ partition: number; low: string; high: string }>>) {
  const admins: number[] = [];
  const kafka = {
    admin: () => {
      admins.push(admins.length);
      return {
        connect: async () => undefined,
        disconnect: async () => undefined,
        fetchTopicOffsets: async () => {
          const answer = answers.shift()!;
          if (answer instanceof Error) throw answer;
          return answer.map((o) => ({ ...o, offset: o.high }));
        },
      };
    },
  } as unknown as Kafka;
  return { kafka, admins };
}

describe('TargetReader.bounds', () => {
  it('repeats the read with a new admin client when a just-created topic answers "not the leader" (kafkajs bails on it)', async () => {
    const notLeader = new KafkaJSProtocolError({ type: 'NOT_LEADER_FOR_PARTITION', code: 6, retriable: true, message: 'This server is not the leader for that topic-partition' });
    const { kafka, admins } = fakeKafka([notLeader, [{ partition: 1, low: '0', high: '7' }, { partition: 0, low: '2', high: '5' }]]);
    const bounds = await new TargetReader(kafka, createLogger('silent'), 1_000).bounds(['t']);
    expect(bounds.get('t')).toEqual([{ low: 2n, high: 5n }, { low: 0n, high: 7n }]);
    expect(admins).toHaveLength(2);
  });

  it('does not repeat a read that failed for good', async () => {
    const denied = new KafkaJSProtocolError({ type: 'TOPIC_AUTHORIZATION_FAILED', code: 29, retriable: false, message: 'Not authorized to access topics' });
    const { kafka, admins } = fakeKafka([denied, []]);
    await expect(new TargetReader(kafka, createLogger('silent'), 1_000).bounds(['t'])).rejects.toThrow('Not authorized');
    expect(admins).toHaveLength(1);
  });
});
