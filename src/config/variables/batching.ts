import { integer, positiveNumber, variable } from '../variable.js';

export const batchingVariables = {
  BATCH_MAX_EVENTS: variable({
    name: 'BATCH_MAX_EVENTS',
    schema: integer(1, 1_000_000),
    default: '1000',
    unit: 'events',
    group: 'batching',
    description: 'A partition batch is written when it holds this many events.',
  }),
  BATCH_MAX_AGE_SECONDS: variable({
    name: 'BATCH_MAX_AGE_SECONDS',
    schema: positiveNumber(),
    default: '600',
    unit: 'seconds',
    group: 'batching',
    description:
      'A partition batch is written when its oldest event has waited this long, even if the partition is idle.',
  }),
  BATCH_MAX_BYTES: variable({
    name: 'BATCH_MAX_BYTES',
    schema: integer(1024, 1024 * 1024 * 1024),
    default: String(16 * 1024 * 1024),
    unit: 'bytes',
    group: 'batching',
    description:
      'A partition batch is written when its keys, values and headers reach this size. Bounds memory: at most two batches of this per assigned partition (one being written, the next filling; then the partition is paused).',
  }),
};
