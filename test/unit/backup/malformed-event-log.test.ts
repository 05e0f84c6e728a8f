import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MalformedEventLog } from '../../../src/backup/malformed-event-log.js';
import { createLogger } from '../../../src/observability/logger.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(text) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger('info', out) };
}

const event = (i: number, code: 'EVENT_NOT_DECODABLE' | 'EVENT_VALUE_EMPTY' = 'EVENT_NOT_DECODABLE') => ({ partition: i % 2, offset: String(i), code, reason: `reason ${i}` });

describe('MalformedEventLog', () => {
  it('logs the first events in detail, then one summary per call with counts per code and a few examples', () => {
    const { lines, logger } = capture();
    const log = new MalformedEventLog({ logger, detailedLimit: 3, examplesPerSummary: 2 });
    for (let i = 0; i < 1000; i++) log.report(event(i, i % 10 === 0 ? 'EVENT_VALUE_EMPTY' : 'EVENT_NOT_DECODABLE'));
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => l.offset)).toEqual(['0', '1', '2']);
    expect(lines[0]).toMatchObject({ level: 'warn', partition: 0, code: 'EVENT_VALUE_EMPTY', reason: 'reason 0' });
    expect(lines[2]!.msg).toContain('periodic summary');

    log.summarize();
    expect(lines).toHaveLength(4);
    expect(lines[3]).toMatchObject({
      level: 'warn',
      malformed: 997,
      malformedSinceStart: 1000,
      byCode: { EVENT_VALUE_EMPTY: 99, EVENT_NOT_DECODABLE: 898 },
      examples: [
        { partition: 1, offset: '3', code: 'EVENT_NOT_DECODABLE', reason: 'reason 3' },
        { partition: 0, offset: '4', code: 'EVENT_NOT_DECODABLE', reason: 'reason 4' },
      ],
    });

    log.summarize(); // nothing new: no line
    expect(lines).toHaveLength(4);
    log.report(event(1000));
    log.summarize();
    expect(lines[4]).toMatchObject({ malformed: 1, malformedSinceStart: 1001, byCode: { EVENT_NOT_DECODABLE: 1 } });
    expect(log.total).toBe(1001);
  });
});
