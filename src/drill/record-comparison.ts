import { createHash, type Hash } from 'node:crypto';
import type { DifferenceList } from './drill-difference.js';
import type { ExpectedPartition } from './expected-records.js';
import { FINGERPRINT_FIELDS, fingerprintScratchRecord, scratchOrigin, type RecordFingerprint } from './record-fingerprint.js';
import type { ScratchRecord } from './scratch-topic-reader.js';

export interface PartitionComparison {
  readonly topic: string;
  readonly partition: number;
  readonly target_topic: string;
  readonly expected: number;
  readonly restored: number;
  /** sha256 over the partition's records in order (offset and each field's digest): equal when the sequences are. */
  readonly expected_sha256: string;
  readonly restored_sha256: string;
}

export interface RecordCounts {
  readonly expected: number;
  readonly restored: number;
  readonly matched: number;
  readonly missing: number;
  readonly differing: number;
  readonly unexpected: number;
}

interface PartitionState {
  readonly expected: ExpectedPartition;
  readonly targetTopic: string;
  next: number;
  restored: number;
  readonly expectedHash: Hash;
  readonly restoredHash: Hash;
}

const line = (offset: bigint, f: RecordFingerprint) => `${offset} ${f.key} ${f.value} ${f.headers} ${f.timestamp}\n`;

/**
 * Walks each scratch partition in offset order against the expected records of the original
 * partition it was restored from: a record must come from the same partition number, in original
 * offset order, each expected offset once, with the same key, value, headers and timestamp.
 */
export class RecordComparison {
  readonly #partitions = new Map<string, PartitionState>();
  readonly #differences: DifferenceList;
  #matched = 0;
  #missing = 0;
  #differing = 0;
  #unexpected = 0;
  #restored = 0;

  constructor(expected: readonly ExpectedPartition[], targetTopicOf: (p: ExpectedPartition) => string, differences: DifferenceList) {
    this.#differences = differences;
    for (const p of expected) {
      const state: PartitionState = { expected: p, targetTopic: targetTopicOf(p), next: 0, restored: 0, expectedHash: createHash('sha256'), restoredHash: createHash('sha256') };
      for (const r of p.records) state.expectedHash.update(line(r.offset, r.fingerprint));
      this.#partitions.set(`${p.topic}\u0000${p.partition}`, state);
    }
  }

  visit(record: ScratchRecord): void {
    this.#restored += 1;
    const target = { topic: record.topic, partition: record.partition, offset: record.offset.toString() };
    const unexpected = (reason: string) => {
      this.#unexpected += 1;
      this.#differences.add({ kind: 'record-unexpected', reason, target });
    };
    const origin = scratchOrigin(record.headers);
    if (!origin) return unexpected('no streamvault.original.* headers: not written by this restore');
    const state = this.#partitions.get(`${origin.topic}\u0000${origin.partition}`);
    if (!state || state.targetTopic !== record.topic) return unexpected(`from ${origin.topic} partition ${origin.partition} offset ${origin.offset}, which the drill did not restore into ${record.topic}`);
    if (origin.partition !== record.partition) return unexpected(`from partition ${origin.partition} of ${origin.topic}, expected it in the same partition number`);
    const fingerprint = fingerprintScratchRecord(record);
    state.restored += 1;
    state.restoredHash.update(line(origin.offset, fingerprint));
    const records = state.expected.records;
    const at = records[state.next];
    if (at === undefined || origin.offset < at.offset) {
      return unexpected(`offset ${origin.offset} of ${origin.topic} partition ${origin.partition} out of order or repeated, or not in the backup's scope`);
    }
    while (state.next < records.length && records[state.next]!.offset < origin.offset) this.#missingAt(state, state.next++);
    const expected = records[state.next];
    if (expected === undefined || expected.offset !== origin.offset) {
      return unexpected(`offset ${origin.offset} of ${origin.topic} partition ${origin.partition} is not in the backup`);
    }
    state.next += 1;
    const fields = FINGERPRINT_FIELDS.filter((f) => expected.fingerprint[f] !== fingerprint[f]);
    if (fields.length === 0) {
      this.#matched += 1;
      return;
    }
    this.#differing += 1;
    this.#differences.add({ kind: 'record-differs', topic: origin.topic, partition: origin.partition, offset: origin.offset.toString(), fields, target });
  }

  /** Every expected record the scratch topics did not hold counts as missing. */
  finish(): { counts: RecordCounts; partitions: PartitionComparison[] } {
    const partitions: PartitionComparison[] = [];
    let expectedTotal = 0;
    for (const state of this.#partitions.values()) {
      while (state.next < state.expected.records.length) this.#missingAt(state, state.next++);
      expectedTotal += state.expected.records.length;
      partitions.push({
        topic: state.expected.topic,
        partition: state.expected.partition,
        target_topic: state.targetTopic,
        expected: state.expected.records.length,
        restored: state.restored,
        expected_sha256: state.expectedHash.digest('hex'),
        restored_sha256: state.restoredHash.digest('hex'),
      });
    }
    return {
      counts: { expected: expectedTotal, restored: this.#restored, matched: this.#matched, missing: this.#missing, differing: this.#differing, unexpected: this.#unexpected },
      partitions,
    };
  }

  #missingAt(state: PartitionState, index: number): void {
    this.#missing += 1;
    this.#differences.add({ kind: 'record-missing', topic: state.expected.topic, partition: state.expected.partition, offset: state.expected.records[index]!.offset.toString() });
  }
}
