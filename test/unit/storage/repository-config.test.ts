import { describe, expect, it } from 'vitest';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { checkBackupPresent, checkRepositoryConfig, readRepositoryConfig, repositorySettings } from '../../../src/storage/repository-config.js';
import { DEFAULT_EVENT_TYPE_MAP, parseEventTypeMap, type EventTypeMap } from '../../../src/config/event-type-map.js';
import { DEFAULT_REFERENCE_LAYOUT, parseReferenceLayout, type ReferenceLayout } from '../../../src/config/reference-layout.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';

const map = (text: string): EventTypeMap => {
  const parsed = parseEventTypeMap(text);
  if (parsed.kind !== 'parsed') throw new Error(parsed.errors.join('; '));
  return parsed.map;
};

const referenceLayout = (text: string): ReferenceLayout => {
  const parsed = parseReferenceLayout(text);
  if (parsed.kind !== 'parsed') throw new Error(parsed.errors.join('; '));
  return parsed.layout;
};

const layout = new KeyLayout('prod/');
const pairs = [{ source: 'samples', event: 'sourced', topic: 'samples.sourced' }];
const withSchema = (overrides: Partial<Parameters<typeof repositorySettings>[0]> = {}) =>
  repositorySettings({ eventSchema: 'schema/', eventTypeMap: map('sourced=A'), streamReferenceLayout: [{ streams: 'x' }], pairs, ...overrides });
const options = { conditionalWrites: true, now: () => new Date(0) };

describe('repository config (issue 10, item 12)', () => {
  it('is created on a new location, then matches the same settings', async () => {
    const store = new MemoryObjectStore();
    expect(await checkRepositoryConfig(store, layout, withSchema(), options)).toEqual({ kind: 'created' });
    const stored = await readRepositoryConfig(store, layout);
    expect(stored.kind === 'present' && stored.config.settings).toEqual(withSchema());
    expect(JSON.parse(store.objects.get('prod/streamvault.json')!.body.toString())).toMatchObject({
      format: 'streamvault-repository',
      version: 1,
      settings: { keyLayout: 1, eventDecoding: 'schema', pairs: { 'samples/sourced': 'samples.sourced' } },
    });
    expect(await checkRepositoryConfig(store, layout, withSchema(), options)).toEqual({ kind: 'matches', addedPairs: [] });
  });

  it('refuses a run without the schema the location was written with, naming the setting and both values', async () => {
    const store = new MemoryObjectStore();
    await checkRepositoryConfig(store, layout, withSchema(), options);
    const before = store.objects.get('prod/streamvault.json')!.body;
    const check = await checkRepositoryConfig(store, layout, withSchema({ eventSchema: '' }), options);
    expect(check.kind).toBe('conflict');
    if (check.kind !== 'conflict') return;
    expect(check.conflicts.map((c) => c.setting)).toEqual(['STREAMVAULT_EVENT_SCHEMA']);
    expect(check.message).toContain('STREAMVAULT_EVENT_SCHEMA: the location was written with a schema');
    expect(check.message).toContain('this run has empty (no decoding, no streams)');
    expect(check.message).toContain('STREAMVAULT_S3_PREFIX');
    expect(store.objects.get('prod/streamvault.json')!.body.equals(before)).toBe(true);
  });

  it('refuses another type map, reference layout or topic for a known pair; records new pairs', async () => {
    const store = new MemoryObjectStore();
    await checkRepositoryConfig(store, layout, withSchema(), options);
    const settings = (o: Partial<Parameters<typeof repositorySettings>[0]>) => checkRepositoryConfig(store, layout, withSchema(o), options);
    const settingsOf = async (o: Partial<Parameters<typeof repositorySettings>[0]>) => {
      const check = await settings(o);
      return check.kind === 'conflict' ? check.conflicts.map((c) => c.setting) : [];
    };
    expect(await settingsOf({ eventTypeMap: map('sourced=B') })).toEqual(['STREAMVAULT_EVENT_TYPE_MAP']);
    expect(await settingsOf({ streamReferenceLayout: [{ streams: 'y' }] })).toEqual(['STREAMVAULT_STREAM_REFERENCE_LAYOUT']);
    expect(await settingsOf({ pairs: [{ ...pairs[0]!, topic: 'other' }] })).toEqual(['topic of pair samples/sourced (STREAMVAULT_TOPICS)']);

    const more = [...pairs, { source: 'samples', event: 'deleted', topic: 'samples.deleted' }];
    expect(await settings({ pairs: more })).toEqual({ kind: 'matches', addedPairs: ['samples/deleted'] });
    const stored = await readRepositoryConfig(store, layout);
    expect(stored.kind === 'present' && stored.config.settings.pairs).toEqual({ 'samples/sourced': 'samples.sourced', 'samples/deleted': 'samples.deleted' });
    // A run with fewer pairs is fine: the location keeps them all.
    expect(await settings({ pairs })).toEqual({ kind: 'matches', addedPairs: [] });
  });

  it('accepts a type map that only grows for the location\'s pairs, records it, then refuses shrinking it (issue 12)', async () => {
    const store = new MemoryObjectStore();
    const mixed = [...pairs, { source: 'system', event: 'insert', topic: 'system.insert' }];
    const run = (text: string, p = mixed) => checkRepositoryConfig(store, layout, withSchema({ eventTypeMap: map(text), pairs: p }), options);
    const storedMap = async () => {
      const stored = await readRepositoryConfig(store, layout);
      return stored.kind === 'present' ? stored.config.settings.eventTypeMap : undefined;
    };
    expect(await run('insert=InsertEvent,*=BinaryEvent')).toEqual({ kind: 'created' });
    expect(await storedMap()).toEqual({ version: 2, byEventType: { insert: ['InsertEvent'] }, fallback: ['BinaryEvent'] });
    // Appended types, and entries for event types no pair has: the same streams or more.
    expect(await run('insert=InsertEvent|BulkInsertEvent,download=DownloadEvent,*=BinaryEvent|BulkBinaryEvent')).toEqual({ kind: 'matches', addedPairs: [] });
    expect(await storedMap()).toEqual({
      version: 2,
      byEventType: { download: ['DownloadEvent'], insert: ['InsertEvent', 'BulkInsertEvent'] },
      fallback: ['BinaryEvent', 'BulkBinaryEvent'],
    });
    // Back to the smaller map, a type put first, or a new entry for an event type a pair has: refused, naming it.
    for (const text of ['insert=InsertEvent,*=BinaryEvent', 'insert=BulkInsertEvent|InsertEvent,*=BinaryEvent|BulkBinaryEvent', 'insert=InsertEvent|BulkInsertEvent,sourced=Other,*=BinaryEvent|BulkBinaryEvent']) {
      const check = await run(text);
      expect(check.kind, text).toBe('conflict');
      if (check.kind === 'conflict') expect(check.conflicts.map((c) => c.setting)).toEqual(['STREAMVAULT_EVENT_TYPE_MAP']);
    }
    const check = await run('insert=InsertEvent,*=BinaryEvent');
    expect(check.kind === 'conflict' && check.message).toContain('insert: InsertEvent|BulkInsertEvent -> InsertEvent');
    // An entry for an event type the location holds no events of may change, also with its first pair.
    const grown = 'insert=InsertEvent|BulkInsertEvent,download=Other,*=BinaryEvent|BulkBinaryEvent';
    expect(await run(grown, [...mixed, { source: 'system', event: 'download', topic: 'system.download' }])).toEqual({ kind: 'matches', addedPairs: ['system/download'] });
  });

  it('a config written before type map version 2 (entries stored as {}) is checked on its fallback only, then upgraded to the new default', async () => {
    const store = new MemoryObjectStore();
    const oldDefault = 'insert=InsertEvent|BulkInsertEvent,delete=DeleteEvent|BulkDeleteEvent,*=BinaryEvent|BulkBinaryEvent';
    // What earlier versions wrote: a Map serializes as {} in JSON.
    const legacy = { ...withSchema({ eventTypeMap: map(oldDefault) }), eventTypeMap: JSON.parse(JSON.stringify(map(oldDefault))) as unknown };
    expect(legacy.eventTypeMap).toEqual({ byEventType: {}, fallback: ['BinaryEvent', 'BulkBinaryEvent'] });
    await store.put('prod/streamvault.json', Buffer.from(JSON.stringify({ format: 'streamvault-repository', version: 1, createdAt: 'x', settings: legacy })));
    expect(await checkRepositoryConfig(store, layout, withSchema({ eventTypeMap: map(DEFAULT_EVENT_TYPE_MAP) }), options)).toEqual({ kind: 'matches', addedPairs: [] });
    const stored = await readRepositoryConfig(store, layout);
    expect(stored.kind === 'present' && stored.config.settings.eventTypeMap).toMatchObject({ version: 2, byEventType: { status: ['StatusEvent', 'BulkStatusEvent'] } });
    // Another fallback would change what binary events decode as: refused even against a legacy config.
    const other = new MemoryObjectStore();
    await other.put('prod/streamvault.json', Buffer.from(JSON.stringify({ format: 'streamvault-repository', version: 1, createdAt: 'x', settings: legacy })));
    const check = await checkRepositoryConfig(other, layout, withSchema({ eventTypeMap: map('*=Other') }), options);
    expect(check.kind === 'conflict' && check.conflicts.map((c) => c.setting)).toEqual(['STREAMVAULT_EVENT_TYPE_MAP']);
  });

  it('a location written with the reference layout of before nested arrays starts with the new default, records it, then refuses the old one (issue 12)', async () => {
    const store = new MemoryObjectStore();
    // streamReferenceLayout exactly as streamvault.json recorded the earlier DEFAULT_REFERENCE_LAYOUT.
    const storedBefore = JSON.parse(
      '{"bulk":["events"],"alternatives":[{"source":["source","name"],"streams":["entity","datastreams"],"label":["label"],"sha256":["sha256"]},' +
        '{"source":["entity","original_source"],"streams":["entity","child","datastreams"],"label":["label"],"sha256":["sha256"]}]}',
    ) as unknown;
    const written = { ...withSchema(), streamReferenceLayout: storedBefore };
    await store.put('prod/streamvault.json', Buffer.from(JSON.stringify({ format: 'streamvault-repository', version: 1, createdAt: 'x', settings: written })));
    const run = (text: string) => checkRepositoryConfig(store, layout, withSchema({ streamReferenceLayout: referenceLayout(text) }), options);
    const storedLayout = async () => {
      const stored = await readRepositoryConfig(store, layout);
      return stored.kind === 'present' ? stored.config.settings.streamReferenceLayout : undefined;
    };

    expect(await run(DEFAULT_REFERENCE_LAYOUT)).toEqual({ kind: 'matches', addedPairs: [] });
    const now = (await storedLayout()) as { alternatives: Array<{ through?: string[][] }> };
    expect(now).toEqual(JSON.parse(JSON.stringify(referenceLayout(DEFAULT_REFERENCE_LAYOUT))));
    expect(now.alternatives.at(-1)?.through).toEqual([['entity', 'results']]);

    // Now recorded: the shorter layout would find fewer streams for the same records.
    const old =
      'bulk=events[] | source=source.name; streams=entity.datastreams[]; label=label; sha256=sha256' +
      ' | source=entity.original_source; streams=entity.child.datastreams[]; label=label; sha256=sha256';
    const shrunk = await run(old);
    expect(shrunk.kind === 'conflict' && shrunk.conflicts.map((c) => c.setting)).toEqual(['STREAMVAULT_STREAM_REFERENCE_LAYOUT']);
    expect(shrunk.kind === 'conflict' && shrunk.message).toContain('its alternatives must stay first, and its bulk path the same');
    // Neither an alternative changed, put in another order, nor another bulk path.
    const [bulk, first, second, ...rest] = DEFAULT_REFERENCE_LAYOUT.split('|');
    for (const text of [
      [bulk, first!.replace('label=label', 'label=kind'), second, ...rest].join('|'),
      [bulk, second, first, ...rest].join('|'),
      ['bulk=items[]', first, second, ...rest].join('|'),
      [first, second, ...rest].join('|'),
    ]) {
      const check = await run(text);
      expect(check.kind === 'conflict' && check.conflicts.map((c) => c.setting), text).toEqual(['STREAMVAULT_STREAM_REFERENCE_LAYOUT']);
    }
    expect(await storedLayout()).toEqual(now);
    // One more alternative appended grows it again.
    expect(await run(`${DEFAULT_REFERENCE_LAYOUT} | source=origin; streams=blobs[]; label=label; sha256=sha256`)).toEqual({ kind: 'matches', addedPairs: [] });
    expect(((await storedLayout()) as { alternatives: unknown[] }).alternatives).toHaveLength(5);
  });

  it('an unreadable config is a conflict, not silently replaced', async () => {
    const store = new MemoryObjectStore();
    await store.put('prod/streamvault.json', Buffer.from('{"format":"x"'));
    expect(await checkRepositoryConfig(store, layout, withSchema(), options)).toMatchObject({ kind: 'conflict', message: expect.stringContaining('unreadable') });
  });
});

describe('checkBackupPresent (issue 10, item 13)', () => {
  it('a location with its config, or with manifests only (written before the config existed), holds a backup', async () => {
    const store = new MemoryObjectStore();
    await checkRepositoryConfig(store, layout, withSchema(), options);
    expect(await checkBackupPresent(store, layout)).toEqual({ kind: 'present' });

    const legacy = new MemoryObjectStore();
    await legacy.put('prod/manifests/samples/sourced/p000000/00000000000000000000.json', Buffer.from('{}'));
    expect(await checkBackupPresent(legacy, layout)).toEqual({ kind: 'present' });
  });

  it('an empty location (a mistyped prefix) names the bucket and the prefix', async () => {
    const store = new MemoryObjectStore();
    await store.put('prod/manifests/samples/sourced/p000000/00000000000000000000.json', Buffer.from('{}'));
    const presence = await checkBackupPresent(store, new KeyLayout('prdo/'));
    expect(presence.kind).toBe('empty');
    expect(presence.kind === 'empty' && presence.message).toMatch(/no backup in bucket memory under prefix "prdo\/"/);
  });
});
