import { AssignerProtocol, type Admin } from 'kafkajs';
import type { StreamvaultProcess } from './streamvault-process.js';
import { until } from './until.js';

/**
 * The base URL of a daemon's health server. Tests run it on port 0 (a free one), and the daemon
 * names the port it got in its "metrics and health listening" line: the only place it is told.
 */
export async function healthUrl(daemon: StreamvaultProcess, timeoutMs = 60_000): Promise<string> {
  const listening = await daemon.waitForLog((l) => l.msg.startsWith('metrics and health listening'), timeoutMs);
  return `http://127.0.0.1:${listening.port as number}`;
}

/**
 * Waits until the daemon's `/readyz` answers 200 (running, every pair consuming, S3 writable, no
 * reported problem), and returns the health server's base URL.
 */
export async function waitForReady(daemon: StreamvaultProcess, timeoutMs = 60_000): Promise<string> {
  const started = Date.now();
  const base = await healthUrl(daemon, timeoutMs);
  let last = '';
  try {
    await until('/readyz to answer 200', async () => {
      const res = await fetch(`${base}/readyz`);
      last = `${res.status} ${await res.text()}`;
      return res.status === 200 ? true : undefined;
    }, Math.max(1000, timeoutMs - (Date.now() - started)), 200);
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}; last answer: ${last}`);
  }
  return base;
}

/**
 * Waits until `group` has committed `expected` (partition -> next offset, as kafkajs strings) on
 * `topic`; without `expected`, the topic's end offsets (what a backup of every event commits; an
 * empty partition stays at -1, none). Returns every committed offset of the topic.
 */
export async function waitForCommitted(
  admin: Admin,
  group: string,
  topic: string,
  expected?: Readonly<Record<number, string>>,
  timeoutMs = 40_000,
): Promise<Map<number, string>> {
  const want =
    expected ?? Object.fromEntries((await admin.fetchTopicOffsets(topic)).map((e) => [e.partition, e.high === '0' ? '-1' : e.high]));
  let last = new Map<number, string>();
  try {
    return await until(`group ${group} to commit ${JSON.stringify(want)} on ${topic}`, async () => {
      const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      last = new Map((offsets?.partitions ?? []).map((p) => [p.partition, p.offset]));
      return Object.entries(want).every(([partition, offset]) => last.get(Number(partition)) === offset) ? last : undefined;
    }, timeoutMs, 250);
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}; committed: ${JSON.stringify(Object.fromEntries(last))}`);
  }
}

/** A consumer group member's assignment, by topic. */
export type Assignment = Record<string, number[]>;

/**
 * Waits until the broker reports `group` stable with members whose assignments (clientId ->
 * topic -> partitions, sorted) satisfy `accept`, and returns them. Give each daemon its own
 * STREAMVAULT_KAFKA_CLIENT_ID to tell replicas apart.
 */
export async function waitForGroup(
  admin: Admin,
  group: string,
  accept: (members: ReadonlyMap<string, Assignment>) => boolean,
  timeoutMs = 60_000,
): Promise<Map<string, Assignment>> {
  let last = 'nothing yet';
  try {
    return await until(`group ${group} stable with the expected assignment`, async () => {
      const { groups } = await admin.describeGroups([group]);
      const described = groups[0];
      const members = new Map<string, Assignment>();
      for (const member of described?.members ?? []) {
        const decoded = member.memberAssignment.length > 0 ? AssignerProtocol.MemberAssignment.decode(member.memberAssignment) : null;
        const assignment: Assignment = {};
        for (const [topic, partitions] of Object.entries(decoded?.assignment ?? {})) assignment[topic] = [...partitions].sort((x, y) => x - y);
        members.set(member.clientId, assignment);
      }
      last = `${described?.state ?? 'unknown'} ${JSON.stringify(Object.fromEntries(members))}`;
      return described?.state === 'Stable' && accept(members) ? members : undefined;
    }, timeoutMs, 250);
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}; last seen: ${last}`);
  }
}
