import { describe, expect, it } from 'vitest';

import {
  DEFAULT_EVENT_TYPE_MAP,
  type EventTypeMap,
  listTypeNames,
  parseEventTypeMap,
  resolveTypeNames,
} from '../../../src/config/event-type-map.js';

function mapOf(text: string): EventTypeMap {
  const result = parseEventTypeMap(text);
  if (result.kind !== 'parsed') throw new Error(`expected a valid map, got: ${result.errors.join('; ')}`);
  return result.map;
}

function errorsOf(text: string): string[] {
  const result = parseEventTypeMap(text);
  if (result.kind !== 'invalid') throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
  return result.errors;
}

describe('parseEventTypeMap', () => {
  it('reads the platform default', () => {
    const map = mapOf(DEFAULT_EVENT_TYPE_MAP);
    expect(resolveTypeNames(map, 'insert')).toEqual(['InsertEvent', 'BulkInsertEvent']);
    expect(resolveTypeNames(map, 'delete')).toEqual(['DeleteEvent', 'BulkDeleteEvent']);
    for (const binaryAction of ['sourced', 'extracted', 'augmented', 'mapped', 'enriched']) {
      expect(resolveTypeNames(map, binaryAction)).toEqual(['BinaryEvent', 'BulkBinaryEvent']);
    }
    // Every model the platform publishes has its own entry (issue 12 item 2).
    for (const [event, single] of [['download', 'DownloadEvent'], ['plugin', 'PluginEvent'], ['retrohunt', 'RetrohuntEvent'], ['status', 'StatusEvent']]) {
      expect(resolveTypeNames(map, event!)).toEqual([single, `Bulk${single}`]);
    }
    expect(listTypeNames(map)).toEqual([
      'InsertEvent', 'BulkInsertEvent', 'DeleteEvent', 'BulkDeleteEvent', 'DownloadEvent', 'BulkDownloadEvent', 'PluginEvent', 'BulkPluginEvent',
      'RetrohuntEvent', 'BulkRetrohuntEvent', 'StatusEvent', 'BulkStatusEvent', 'BinaryEvent', 'BulkBinaryEvent',
    ]);
  });

  it('ignores whitespace and empty entries, accepts namespaced names and drops repeated names', () => {
    const map = mapOf(' insert = a.b.InsertEvent | InsertEvent | InsertEvent , ,');
    expect(resolveTypeNames(map, 'insert')).toEqual(['a.b.InsertEvent', 'InsertEvent']);
    expect(map.fallback).toBeUndefined();
    expect(resolveTypeNames(map, 'sourced')).toEqual([]);
  });

  it('returns a copy the caller may change', () => {
    const map = mapOf('*=BinaryEvent');
    resolveTypeNames(map, 'x').push('Other');
    expect(resolveTypeNames(map, 'x')).toEqual(['BinaryEvent']);
  });

  it.each([
    ['', 'expected at least one entry'],
    [' , ', 'expected at least one entry'],
    ['insert', 'entry 1 "insert": expected `eventType=AvroType|AvroType`'],
    ['insert=', 'expected Avro type names separated by "|", got ""'],
    ['insert=InsertEvent||BulkInsertEvent', 'got ""'],
    ['insert=Insert-Event', 'got "Insert-Event"'],
    ['=InsertEvent', 'expected an event type of letters, digits'],
    ['in sert=InsertEvent', 'got "in sert"'],
    ['insert=A,insert=B', 'entry 2 "insert=B": event type "insert" is already mapped'],
    ['*=A,*=B', 'event type "*" is already mapped'],
  ])('rejects %j', (text, message) => {
    expect(errorsOf(text).join('\n')).toContain(message);
  });

  it('reports every problem at once', () => {
    const errors = errorsOf('insert,delete=Bad-Name,*=Ok,*=Again');
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatch(/^entry 1 "insert"/);
    expect(errors[1]).toMatch(/^entry 2 "delete=Bad-Name"/);
    expect(errors[2]).toMatch(/^entry 4 "\*=Again"/);
  });
});
