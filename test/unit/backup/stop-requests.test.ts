import { describe, expect, it } from 'vitest';
import { StopRequests } from '../../../src/backup/stop-requests.js';

describe('StopRequests', () => {
  it('resolves with the first request and ignores the later ones', async () => {
    const stops = new StopRequests();
    expect(stops.reason).toBeUndefined();
    const error = new Error('consumer crashed');
    stops.request({ kind: 'fatal', error });
    stops.request({ kind: 'signal', signal: 'SIGTERM' });
    expect(await stops.stopped).toEqual({ kind: 'fatal', error });
    expect(stops.reason).toEqual({ kind: 'fatal', error });
  });
});
