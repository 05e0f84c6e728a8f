import { integer, list, variable } from '../variable.js';

/** Consumer-group offset snapshots, taken by the backup daemon (src/backup/offset-snapshots.ts). */
export const offsetsVariables = {
  OFFSETS_INTERVAL_SECONDS: variable({
    name: 'OFFSETS_INTERVAL_SECONDS',
    schema: integer(0, 86_400),
    default: '60',
    unit: 'seconds',
    group: 'offsets',
    description:
      'How often the backup daemon snapshots the committed offsets of the consumer groups that read the backed-up topics (also once at start and once at shutdown, so `backup --once` always leaves one); `restore` translates them into the target. 0: no snapshots.',
  }),
  OFFSETS_GROUPS: variable({
    name: 'OFFSETS_GROUPS',
    schema: list().superRefine((patterns, ctx) => {
      for (const p of patterns) {
        if (!/^[A-Za-z0-9._*-]{1,249}$/.test(p)) {
          ctx.addIssue({ code: 'custom', message: `expected group ids or patterns of [A-Za-z0-9._-] and * (any characters), got ${JSON.stringify(p.slice(0, 100))}` });
        }
      }
    }),
    default: '',
    group: 'offsets',
    description:
      'Consumer groups whose offsets are snapshotted: comma-separated group ids, `*` matching any characters (`billing-*`). Empty: every group with committed offsets on a backed-up topic. streamvault\'s own groups (STREAMVAULT_KAFKA_GROUP_ID\'s, the restore\'s and the drill\'s scans) are never included.',
  }),
};
