import { describe, expect, it } from 'vitest';
import { pairId, SAFE_NAME, TOPIC_NAME } from '../../../src/config/pair.js';

describe('pairId', () => {
  it('is source/event, whatever else the pair carries', () => {
    expect(pairId({ source: 'samples', event: 'sourced' })).toBe('samples/sourced');
    expect(pairId({ source: 'system', event: 'insert', topic: 'azul.insert' } as { source: string; event: string })).toBe('system/insert');
  });
});

describe('SAFE_NAME', () => {
  it('takes letters, digits, ".", "_" and "-" up to 200 characters, starting with a letter, digit or "_"', () => {
    for (const name of ['samples', 'a.b-c_d', '_x', '9lives', 'x'.repeat(200)]) expect(SAFE_NAME.test(name), name).toBe(true);
  });

  it('refuses what could escape a key prefix or a file name: "..", a leading "." or "-", "/", blanks, too long', () => {
    for (const name of ['', '..', '.hidden', '-rf', 'a/b', 'a b', 'ä', 'x'.repeat(201), 'a\nb']) expect(SAFE_NAME.test(name), JSON.stringify(name)).toBe(false);
  });
});

describe('TOPIC_NAME', () => {
  it("is Kafka's rule: 1 to 249 of [A-Za-z0-9._-]", () => {
    for (const name of ['azul.prod.samples.binary.sourced', '.x', '-', 't'.repeat(249)]) expect(TOPIC_NAME.test(name), name).toBe(true);
    for (const name of ['', 't'.repeat(250), 'a/b', 'a b', 'a:b']) expect(TOPIC_NAME.test(name), name).toBe(false);
  });
});
