import { describe, expect, it } from 'vitest';
import { InvalidStreamRefError } from '../../../src/refs/stream-ref.js';
import { renderStreamTemplate } from '../../../src/refs/stream-template.js';

const sha = 'cd'.repeat(32);

describe('renderStreamTemplate', () => {
  it.each([
    ['%2e%2e', '%252e%252e'],
    ['la bel?#', 'la%20bel%3F%23'],
    ['a+b&c=d', 'a%2Bb%26c%3Dd'],
    ['Büro', 'B%C3%BCro'],
    ['😀', '%F0%9F%98%80'],
    ['{sha256}', '%7Bsha256%7D'],
  ])('encodes %j as %j in URLs, S3 keys and paths alike', (label, encoded) => {
    const ref = { source: 'src', label, sha256: sha };
    expect(renderStreamTemplate('{base}/s/{source}/{label}/{sha256}', ref, { target: 'url', base: 'http://h:1//' })).toBe(`http://h:1/s/src/${encoded}/${sha}`);
    expect(renderStreamTemplate('{source}/{label}/{sha256_2}/{sha256}', ref, { target: 's3-key' })).toBe(`src/${encoded}/cd/${sha}`);
    expect(renderStreamTemplate('{label}', ref, { target: 'path' })).toBe(encoded);
  });

  it('leaves unknown placeholders and {base} without a base as written', () => {
    expect(renderStreamTemplate('{base}/{other}/{sha256}', { source: 's', label: 'l', sha256: sha }, { target: 's3-key' })).toBe(`{base}/{other}/${sha}`);
  });

  it('refuses an invalid reference instead of rendering it', () => {
    expect(() => renderStreamTemplate('{sha256}', { source: 's', label: 'l', sha256: '../x' }, { target: 'url' })).toThrow(InvalidStreamRefError);
    expect(() => renderStreamTemplate('{label}', { source: 's', label: '../etc', sha256: sha }, { target: 's3-key' })).toThrow(
      'invalid stream reference: label "../etc" contains a path separator, expected a single segment',
    );
  });
});
