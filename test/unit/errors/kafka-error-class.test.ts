import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { classifyKafkaError, tlsVerificationFailure } from '../../../src/errors/kafka-error-class.js';

/** kafkajs's type declarations leave out the constructors' arguments that its src/errors.js takes. */
type ErrorClass = new (...args: unknown[]) => Error;
const KafkaJSConnectionError = kafkajs.KafkaJSConnectionError as unknown as ErrorClass;
const KafkaJSGroupCoordinatorNotFound = kafkajs.KafkaJSGroupCoordinatorNotFound as unknown as ErrorClass;
const KafkaJSMetadataNotLoaded = kafkajs.KafkaJSMetadataNotLoaded as unknown as ErrorClass;
const KafkaJSNonRetriableError = kafkajs.KafkaJSNonRetriableError as unknown as ErrorClass;
const KafkaJSNumberOfRetriesExceeded = kafkajs.KafkaJSNumberOfRetriesExceeded as unknown as ErrorClass;
const KafkaJSProtocolError = kafkajs.KafkaJSProtocolError as unknown as ErrorClass;
const KafkaJSSASLAuthenticationError = kafkajs.KafkaJSSASLAuthenticationError as unknown as ErrorClass;

/** What kafkajs's retrier (src/retry/index.js) rejects with once it stops retrying a retriable error. */
const givenUp = (e: Error) => new KafkaJSNumberOfRetriesExceeded(e, { retryCount: 0, retryTime: 300 });
const protocol = (type: string, retriable: boolean) => new KafkaJSProtocolError({ type, code: 0, retriable, message: type } as never);

describe('classifyKafkaError', () => {
  it('sees the metadata error inside the retrier\'s KafkaJSNumberOfRetriesExceeded (the "Producing to topic without metadata" restore bug)', () => {
    const wrapped = givenUp(new KafkaJSMetadataNotLoaded('Producing to topic without metadata'));
    expect(wrapped.name).toBe('KafkaJSNumberOfRetriesExceeded');
    expect(classifyKafkaError(wrapped)).toEqual({ kind: 'retriable-before-send', root: 'KafkaJSMetadataNotLoaded: Producing to topic without metadata' });
    expect(classifyKafkaError(new KafkaJSMetadataNotLoaded('x')).kind).toBe('retriable-before-send');
    // The restore bug of issue 11: the caller's own wrapper around kafkajs's hid the cause from a check of the outermost error.
    expect(classifyKafkaError(new Error('producing to t failed', { cause: wrapped })).kind).toBe('retriable-before-send');
  });

  it('tells refusals before append from answers after which a produce may have landed', () => {
    expect(classifyKafkaError(givenUp(protocol('NOT_LEADER_FOR_PARTITION', true))).kind).toBe('retriable-before-send');
    expect(classifyKafkaError(givenUp(protocol('NOT_ENOUGH_REPLICAS', true))).kind).toBe('retriable-before-send');
    expect(classifyKafkaError(givenUp(protocol('NOT_ENOUGH_REPLICAS_AFTER_APPEND', true))).kind).toBe('retriable');
    expect(classifyKafkaError(givenUp(protocol('REQUEST_TIMED_OUT', true))).kind).toBe('retriable');
    expect(classifyKafkaError(givenUp(new KafkaJSConnectionError('Connection error: ECONNRESET'))).kind).toBe('retriable');
  });

  it('retries a group coordinator that is still loading or not found yet (a consumer group on a cluster that just started)', () => {
    // kafkajs throws KafkaJSGroupCoordinatorNotFound, a KafkaJSNonRetriableError, when no broker names a coordinator yet.
    const notFound = new KafkaJSGroupCoordinatorNotFound('Failed to find group coordinator');
    expect(notFound).toBeInstanceOf(KafkaJSNonRetriableError);
    expect(classifyKafkaError(notFound).kind).toBe('retriable-before-send');
    expect(classifyKafkaError(givenUp(protocol('COORDINATOR_LOAD_IN_PROGRESS', true))).kind).toBe('retriable');
    expect(classifyKafkaError(givenUp(protocol('NOT_COORDINATOR', true))).kind).toBe('retriable');
  });

  it('finds authentication and authorization failures anywhere in the chain', () => {
    expect(classifyKafkaError(new KafkaJSSASLAuthenticationError('SASL PLAIN authentication failed')).kind).toBe('auth');
    const denied = protocol('TOPIC_AUTHORIZATION_FAILED', false);
    expect(classifyKafkaError(new KafkaJSNonRetriableError(denied, { cause: denied })).kind).toBe('auth');
  });

  it('calls everything else fatal, including non-kafkajs errors and kafkajs errors marked non-retriable', () => {
    expect(classifyKafkaError(new TypeError('boom')).kind).toBe('fatal');
    expect(classifyKafkaError('a string').kind).toBe('fatal');
    const corrupt = protocol('INVALID_RECORD', false);
    expect(classifyKafkaError(new KafkaJSNonRetriableError(corrupt, { cause: corrupt }))).toEqual({ kind: 'fatal', root: 'KafkaJSProtocolError INVALID_RECORD: INVALID_RECORD' });
  });

  it('takes a broker certificate TLS refused as `auth` (the operator must act), and a refused connection still as retriable', () => {
    const tls = givenUp(new KafkaJSConnectionError('Connection error: self-signed certificate in certificate chain', { broker: 'b:9093', code: 'SELF_SIGNED_CERT_IN_CHAIN' }));
    expect(tlsVerificationFailure(tls)).toBe('SELF_SIGNED_CERT_IN_CHAIN');
    expect(classifyKafkaError(tls)).toEqual({ kind: 'auth', root: 'KafkaJSConnectionError: Connection error: self-signed certificate in certificate chain' });
    const refused = givenUp(new KafkaJSConnectionError('Connection error: connect ECONNREFUSED', { broker: 'b:9093', code: 'ECONNREFUSED' }));
    expect(tlsVerificationFailure(refused)).toBeUndefined();
    expect(classifyKafkaError(refused).kind).toBe('retriable');
  });
});

describe('restore\'s produce retry decision over a wrapped kafkajs error (issue 11: a name check missed it)', () => {
  it('repeats a produce whose metadata error is wrapped by kafkajs and by the caller; not one that may have landed', async () => {
    const { mayRetryProduce } = await import('../../../src/restore/event-restorer.js');
    const metadata = new KafkaJSMetadataNotLoaded('Producing to topic without metadata');
    const wrapped = new Error('send to restored.samples.sourced failed', { cause: givenUp(metadata) });
    expect(wrapped.name).toBe('Error');
    expect(mayRetryProduce(classifyKafkaError(wrapped))).toBe(true);
    expect(mayRetryProduce(classifyKafkaError(new AggregateError([givenUp(metadata)], 'one send failed')))).toBe(true);
    expect(mayRetryProduce(classifyKafkaError(new Error('send failed', { cause: givenUp(protocol('REQUEST_TIMED_OUT', true)) })))).toBe(false);
  });
});
