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

  describe('the "most events of this pair do not decode" line (issue 12 item 2)', () => {
    const decoding = { eventType: 'plugin', typeNames: ['BinaryEvent', 'BulkBinaryEvent'], fromFallback: true, generations: ['v7', 'v6'] };
    const mostly = (lines: Array<Record<string, unknown>>) => lines.filter((l) => String(l.msg).startsWith('most events of this pair do not decode'));

    it('says it once, at error, naming the settings, when more than half of the first 20 attempts fail', () => {
      const { lines, logger } = capture();
      const log = new MalformedEventLog({ logger, decoding });
      for (let i = 0; i < 200; i++) {
        const decoded = i % 4 === 0; // 3 of 4 fail
        log.attempted(decoded);
        if (!decoded) log.report(event(i));
        if (i === 18) expect(mostly(lines)).toHaveLength(0); // 19 attempts: no verdict yet
      }
      log.summarize({ final: true });
      const said = mostly(lines);
      expect(said).toHaveLength(1);
      expect(said[0]).toMatchObject({ level: 'error', malformed: 15, of: 20, eventType: 'plugin', generations: ['v7', 'v6'] });
      expect(said[0]!.msg).toContain('STREAMVAULT_EVENT_TYPE_MAP');
      expect(said[0]!.msg).toContain('the fallback entry `*=BinaryEvent|BulkBinaryEvent`');
      expect(said[0]!.msg).toContain('STREAMVAULT_EVENT_SCHEMA');
    });

    it('stays silent when half or fewer fail, and without decoding', () => {
      const { lines, logger } = capture();
      const log = new MalformedEventLog({ logger, decoding });
      for (let i = 0; i < 40; i++) log.attempted(i % 2 === 0);
      const opaque = new MalformedEventLog({ logger });
      for (let i = 0; i < 40; i++) opaque.attempted(false);
      log.summarize({ final: true });
      opaque.summarize({ final: true });
      expect(mostly(lines)).toHaveLength(0);
    });

    it('takes the verdict at a summary after 5 attempts, or at the last summary after any', () => {
      const early = capture();
      const log = new MalformedEventLog({ logger: early.logger, decoding });
      for (let i = 0; i < 4; i++) log.attempted(false);
      log.summarize();
      expect(mostly(early.lines)).toHaveLength(0);
      log.attempted(false);
      log.summarize();
      expect(mostly(early.lines)).toMatchObject([{ malformed: 5, of: 5 }]);
      for (let i = 0; i < 50; i++) log.attempted(false);
      log.summarize({ final: true });
      expect(mostly(early.lines)).toHaveLength(1);

      const short = capture();
      const few = new MalformedEventLog({ logger: short.logger, decoding: { ...decoding, fromFallback: false, eventType: 'status', typeNames: ['StatusEvent'] } });
      few.attempted(false);
      few.attempted(false);
      few.attempted(true);
      few.summarize({ final: true });
      expect(mostly(short.lines)).toMatchObject([{ malformed: 2, of: 3 }]);
      expect(mostly(short.lines)[0]!.msg).toContain('its entry `status=StatusEvent`');
    });
  });
});
