import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { boolean, brokerList, integer, list, nonEmptyText, oneOf, optionalBoolean, positiveNumber, url, variable } from '../../../src/config/variable.js';

/** The value a schema makes of `raw`, or the messages of its refusal. */
function parse<T>(schema: z.ZodType<T>, raw: string): { value: T } | { refused: string[] } {
  const result = schema.safeParse(raw);
  return result.success ? { value: result.data } : { refused: result.error.issues.map((i) => i.message) };
}

describe('variable', () => {
  it('fills in what a declaration leaves out: no unit, not secret, empty means the default, no default means required', () => {
    const v = variable({ name: 'X', schema: nonEmptyText(), description: 'An x.', group: 'general' });
    expect(v).toEqual({ name: 'X', schema: v.schema, default: undefined, unit: '', description: 'An x.', secret: false, group: 'general', emptyIsValue: false });
    const full = variable({ name: 'Y', schema: list(), default: 'a', unit: 'items', description: 'Ys.', secret: true, group: 'pairs', emptyIsValue: true });
    expect(full).toMatchObject({ default: 'a', unit: 'items', secret: true, emptyIsValue: true });
  });
});

describe('the shared coercions', () => {
  it('nonEmptyText trims and refuses what is blank', () => {
    expect(parse(nonEmptyText(), '  ./state ')).toEqual({ value: './state' });
    expect(parse(nonEmptyText(), '   ')).toEqual({ refused: ['expected a non-empty string'] });
  });

  it('integer takes its bounds and a trimmed or negative integer, and refuses what is outside, fractional or not a number, naming the range', () => {
    const schema = integer(-2, 10);
    expect(parse(schema, ' 10 ')).toEqual({ value: 10 });
    expect(parse(schema, '-2')).toEqual({ value: -2 });
    for (const raw of ['11', '-3', '1.5', '1e2', '0x10', '', 'ten']) expect(parse(schema, raw), raw).toEqual({ refused: ['expected an integer from -2 to 10'] });
    expect(parse(integer(0), '9007199254740991')).toEqual({ value: Number.MAX_SAFE_INTEGER });
    expect(parse(integer(0), '9007199254740992')).toEqual({ refused: [`expected an integer from 0 to ${Number.MAX_SAFE_INTEGER}`] });
  });

  it('positiveNumber takes decimals, and refuses 0, signs, exponents and words', () => {
    expect(parse(positiveNumber(), ' 2.5 ')).toEqual({ value: 2.5 });
    expect(parse(positiveNumber(), '0')).toEqual({ refused: ['expected a number greater than 0'] });
    expect(parse(positiveNumber(), '0.0')).toEqual({ refused: ['expected a number greater than 0'] });
    for (const raw of ['-1', '+1', '1e3', '.5', 'ten', '']) expect(parse(positiveNumber(), raw), raw).toEqual({ refused: ['expected a positive number (decimals allowed)'] });
  });

  it('boolean takes true/false, 1/0, yes/no in any case, and refuses anything else', () => {
    for (const raw of ['true', ' TRUE ', '1', 'Yes']) expect(parse(boolean(), raw), raw).toEqual({ value: true });
    for (const raw of ['false', '0', 'NO']) expect(parse(boolean(), raw), raw).toEqual({ value: false });
    for (const raw of ['on', 'y', '', '2']) expect(parse(boolean(), raw), raw).toEqual({ refused: ['expected one of true, false, 1, 0, yes, no'] });
  });

  it('optionalBoolean is undefined when empty, a boolean otherwise, and says empty is allowed when it refuses', () => {
    expect(parse(optionalBoolean(), '')).toEqual({ value: undefined });
    expect(parse(optionalBoolean(), '  ')).toEqual({ value: undefined });
    expect(parse(optionalBoolean(), 'false')).toEqual({ value: false });
    expect(parse(optionalBoolean(), 'yes')).toEqual({ value: true });
    expect(parse(optionalBoolean(), 'maybe')).toEqual({ refused: ['expected one of true, false, 1, 0, yes, no, or empty'] });
  });

  it('oneOf takes its values in any case and with blanks, and refuses others, listing them', () => {
    const schema = oneOf(['auto', 'on', 'off']);
    expect(parse(schema, ' ON ')).toEqual({ value: 'on' });
    expect(parse(schema, 'yes')).toEqual({ refused: ['expected one of auto, on, off'] });
  });

  it('list splits on commas, trims, and drops blanks', () => {
    expect(parse(list(), ' a, b ,,c, ')).toEqual({ value: ['a', 'b', 'c'] });
    expect(parse(list(), '')).toEqual({ value: [] });
    expect(parse(list(), ' , ')).toEqual({ value: [] });
  });

  it('brokerList takes host:port, IPv6 in brackets and ports 1 to 65535; refuses each other entry by name', () => {
    expect(parse(brokerList(), 'kafka-0:9092, [::1]:65535,10.0.0.1:1')).toEqual({ value: ['kafka-0:9092', '[::1]:65535', '10.0.0.1:1'] });
    expect(parse(brokerList(), '')).toEqual({ value: [] });
    const refused = parse(brokerList(), 'ok:9092,localhost,host:0,host:65536,::1:9092,host:port');
    const expected = (broker: string) => `expected host:port with a port from 1 to 65535 (e.g. kafka-0:9092), got ${JSON.stringify(broker)}`;
    expect(refused).toEqual({ refused: ['localhost', 'host:0', 'host:65536', '::1:9092', 'host:port'].map(expected) });
  });

  it('url takes an http:// or https:// URL with a host, or empty', () => {
    expect(parse(url(), ' http://s3:9000 ')).toEqual({ value: 'http://s3:9000' });
    for (const raw of ['https://s3.eu-west-1.amazonaws.com', 'HTTP://MINIO:9000/', 'http://[::1]:9000', 'http://10.0.0.1', 'https://platform.example/api/{base}']) {
      expect(parse(url(), raw), raw).toEqual({ value: raw });
    }
    expect(parse(url(), '')).toEqual({ value: '' });
    expect(parse(url(), '  ')).toEqual({ value: '' });
  });

  it('url refuses a value without an http(s) scheme, saying what was expected and how the value was read', () => {
    const expected = 'expected an http:// or https:// URL such as http://host:port';
    // URL.canParse takes the first: `minio:` is a valid scheme, and the endpoint fails only at connect.
    expect(parse(url(), 'minio:9000')).toEqual({ refused: [`${expected} (no scheme? "minio:" is read as the scheme)`] });
    expect(parse(url(), 'localhost:9000/x')).toEqual({ refused: [`${expected} (no scheme? "localhost:" is read as the scheme)`] });
    for (const raw of ['localhost', '10.0.0.1:9000', '//minio:9000', '/relative']) expect(parse(url(), raw), raw).toEqual({ refused: [`${expected} (no scheme?)`] });
    expect(parse(url(), 'ftp://files:21')).toEqual({ refused: [`${expected} (the scheme is "ftp:")`] });
    expect(parse(url(), 's3://bucket/prefix')).toEqual({ refused: [`${expected} (the scheme is "s3:")`] });
    expect(parse(url(), 'http:minio:9000')).toEqual({ refused: [`${expected} (no // after "http:")`] });
    for (const raw of ['http://', 'https://:443', 'http://a b']) expect(parse(url(), raw), raw).toEqual({ refused: [`${expected} (it does not parse as a URL with a host)`] });
  });
});
