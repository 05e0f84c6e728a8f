import kafkajs from 'kafkajs';
import { causeChain } from './cause-chain.js';

export { causeChain };

/** In kafkajs's runtime exports (src/errors.js) but not in its type declarations. */
const KafkaJSNoBrokerAvailableError = (kafkajs as unknown as { KafkaJSNoBrokerAvailableError: abstract new (...args: never[]) => Error }).KafkaJSNoBrokerAvailableError;

const { KafkaJSBrokerNotFound, KafkaJSGroupCoordinatorNotFound, KafkaJSMetadataNotLoaded, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError, KafkaJSSASLAuthenticationError } = kafkajs;

/**
 * What a caller may do after a kafkajs error, decided once, here, from the error's class and its
 * cause chain (src/errors/cause-chain.ts; kafkajs wraps the error that happened: with `retries: 0` a metadata error arrives as
 * `KafkaJSNumberOfRetriesExceeded` whose `cause` is the `KafkaJSMetadataNotLoaded`):
 *
 * - `retriable-before-send`: the request never reached a broker, or the broker refused it without
 *   appending anything (no metadata yet, no group coordinator yet, no leader, not the leader, too few
 *   in-sync replicas).
 *   Safe to retry even for a producer that must not write twice.
 * - `retriable`: transient, but a produce may have been appended (connection lost after sending, a
 *   timeout, NOT_ENOUGH_REPLICAS_AFTER_APPEND). Retry only where a repeat is harmless (reads, an
 *   idempotent producer in the same session).
 * - `auth`: credentials or ACLs, or a broker certificate TLS does not accept (`tlsVerificationFailure`);
 *   retrying does not help, the operator has to act.
 * - `fatal`: anything else, including errors that are not kafkajs's.
 */
export type KafkaErrorClass =
  | { readonly kind: 'retriable-before-send'; readonly root: string }
  | { readonly kind: 'retriable'; readonly root: string }
  | { readonly kind: 'auth'; readonly root: string }
  | { readonly kind: 'fatal'; readonly root: string };

/** Broker answers that mean "refused, nothing appended" (Kafka's protocol documentation of each). */
const REFUSED_BEFORE_APPEND = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_LEADER_FOR_PARTITION', 'NOT_ENOUGH_REPLICAS', 'FENCED_LEADER_EPOCH', 'UNKNOWN_LEADER_EPOCH']);

const AUTH_TYPES = new Set([
  'SASL_AUTHENTICATION_FAILED',
  'UNSUPPORTED_SASL_MECHANISM',
  'ILLEGAL_SASL_STATE',
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'DELEGATION_TOKEN_AUTHORIZATION_FAILED',
]);

/** Node's codes for a peer certificate that does not verify (tls.connect's `error`; kafkajs copies it to its error's `code`). */
const TLS_VERIFICATION_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The Node code when the error (or what it wraps) is a broker certificate TLS refused, else undefined. */
export function tlsVerificationFailure(error: unknown): string | undefined {
  for (const e of causeChain(error)) {
    const code = (e as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && TLS_VERIFICATION_CODES.has(code)) return code;
  }
  return undefined;
}

export function classifyKafkaError(error: unknown): KafkaErrorClass {
  const chain = causeChain(error);
  // The wrappers say only that kafkajs stopped retrying (or where the caller was); what happened is the root.
  const root = rootOf(chain) ?? error;
  const name = describe(root);

  if (tlsVerificationFailure(error) !== undefined) return { kind: 'auth', root: name };
  if (chain.some((e) => e instanceof KafkaJSSASLAuthenticationError || (e instanceof KafkaJSProtocolError && AUTH_TYPES.has(String(e.type))))) {
    return { kind: 'auth', root: name };
  }
  // kafkajs marks a group coordinator that no broker named yet as non-retriable, but on a cluster that
  // just started it is one being created and loaded (__consumer_offsets): no request went anywhere.
  if (root instanceof KafkaJSMetadataNotLoaded || root instanceof KafkaJSBrokerNotFound || root instanceof KafkaJSGroupCoordinatorNotFound) {
    return { kind: 'retriable-before-send', root: name };
  }
  if (root instanceof KafkaJSProtocolError && REFUSED_BEFORE_APPEND.has(String(root.type))) return { kind: 'retriable-before-send', root: name };
  if (root instanceof kafkajs.KafkaJSError && root.retriable) return { kind: 'retriable', root: name };
  return { kind: 'fatal', root: name };
}

/**
 * What happened: the first kafkajs error of the chain that is not one of its retrier's wrappers
 * (an application's `new Error('...', { cause })` around it is skipped too), else the first link
 * that is no wrapper, else the innermost.
 */
function rootOf(chain: readonly unknown[]): unknown {
  const meaningful = chain.filter((e) => !(e instanceof KafkaJSNumberOfRetriesExceeded) && !isPlainWrapper(e));
  return meaningful.find((e) => e instanceof kafkajs.KafkaJSError) ?? meaningful[0] ?? chain.at(-1);
}

/** kafkajs's retrier wraps a non-retriable error in a bare KafkaJSNonRetriableError with the original as cause. */
function isPlainWrapper(e: unknown): boolean {
  return e instanceof kafkajs.KafkaJSNonRetriableError && e.name === 'KafkaJSNonRetriableError' && (e as { cause?: unknown }).cause !== undefined;
}

function describe(e: unknown): string {
  if (e instanceof KafkaJSProtocolError) return `${e.name} ${e.type}: ${e.message}`;
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

/** Whether the error, or anything it wraps, is one of kafkajs's. */
export function isKafkaError(error: unknown): boolean {
  return causeChain(error).some((e) => e instanceof kafkajs.KafkaJSError);
}

/** Whether no broker answered at all: the root of the chain is a connection kafkajs could not make or keep. */
export function isKafkaUnreachable(error: unknown): boolean {
  const root = rootOf(causeChain(error));
  return root instanceof kafkajs.KafkaJSConnectionError || root instanceof KafkaJSNoBrokerAvailableError;
}
