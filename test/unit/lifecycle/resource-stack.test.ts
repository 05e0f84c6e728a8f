import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { ResourceStack, withResources } from '../../../src/lifecycle/resource-stack.js';

function recordingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

describe('ResourceStack', () => {
  it('closes in reverse order of defer, every step even when one fails, and logs the failure', async () => {
    const { logger, lines } = recordingLogger();
    const stack = new ResourceStack(logger);
    const closed: string[] = [];
    stack.defer('store', () => closed.push('store'));
    stack.defer('journal', async () => {
      closed.push('journal');
      throw new Error('disk gone');
    });
    stack.defer('consumer', async () => {
      await new Promise((r) => setTimeout(r, 5));
      closed.push('consumer');
    });
    const report = await stack.closeAll();
    expect(closed).toEqual(['consumer', 'journal', 'store']);
    expect(report.closed).toEqual(['consumer', 'journal', 'store']);
    expect(report.failures.map((f) => [f.name, (f.error as Error).message])).toEqual([['journal', 'disk gone']]);
    expect(lines.filter((l) => l.part === 'journal').map((l) => l.msg)).toEqual(['closing journal failed; closing the rest']);
  });

  it('closes once when closeAll is called twice, and refuses a defer after closing began', async () => {
    const { logger } = recordingLogger();
    const stack = new ResourceStack(logger);
    let closes = 0;
    stack.defer('producer', () => {
      closes += 1;
    });
    await Promise.all([stack.closeAll(), stack.closeAll()]);
    await stack.closeAll();
    expect(closes).toBe(1);
    expect(() => stack.defer('late', () => undefined)).toThrow(/expected to defer 'late' before closeAll/);
  });
});

describe('withResources', () => {
  it('closes what was opened up to an early return, and only that', async () => {
    const { logger } = recordingLogger();
    const closed: string[] = [];
    const result = await withResources(logger, async (resources) => {
      resources.defer('stream target', () => closed.push('stream target'));
      if (closed.length === 0) return 'refused';
      resources.defer('never opened', () => closed.push('never opened'));
      return 'ran';
    });
    expect(result).toBe('refused');
    expect(closed).toEqual(['stream target']);
  });

  it('closes when the body throws and rethrows the body\'s error', async () => {
    const { logger } = recordingLogger();
    const closed: string[] = [];
    await expect(
      withResources(logger, async (resources) => {
        resources.defer('spool', () => closed.push('spool'));
        throw new Error('plan unreadable');
      }),
    ).rejects.toThrow('plan unreadable');
    expect(closed).toEqual(['spool']);
  });
});
