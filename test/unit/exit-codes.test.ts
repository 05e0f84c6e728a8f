import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/exit-codes.js';

describe('ExitCode', () => {
  it('gives every meaning a number of its own (scripts branch on the number)', () => {
    const numbers = Object.values(ExitCode);
    expect(new Set(numbers).size).toBe(numbers.length);
    for (const [name, code] of Object.entries(ExitCode)) expect(Number.isInteger(code) && code >= 0 && code <= 255, `${name}: ${code}`).toBe(true);
  });

  it('is 0 on success, 1 on an unexpected failure, and 128 + SIGINT on a forced exit, as shells report a signal', () => {
    expect(ExitCode.ok).toBe(0);
    expect(ExitCode.failure).toBe(1);
    expect(ExitCode.interrupted).toBe(128 + constants.signals.SIGINT);
  });
});
