import { describe, expect, it } from 'vitest';
import { StreamvaultError } from '../../../src/errors/streamvault-error.js';
import { StreamSourceError } from '../../../src/streams/stream-source.js';

describe('StreamSourceError', () => {
  it('carries its code, whether it may be retried, and its cause', () => {
    const cause = new Error('ECONNRESET');
    const error = new StreamSourceError('GET https://src/x: expected a response, got ECONNRESET', true, { cause });
    expect(error).toBeInstanceOf(StreamvaultError);
    expect([error.name, error.code, error.retriable, error.cause, error.message]).toEqual([
      'StreamSourceError',
      'STREAM_SOURCE_FAILED',
      true,
      cause,
      'GET https://src/x: expected a response, got ECONNRESET',
    ]);
    expect(new StreamSourceError('GET https://src/x: expected 200, got 403', false).retriable).toBe(false);
  });
});
