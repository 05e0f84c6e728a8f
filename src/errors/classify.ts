import type { ExitCodeValue } from '../exit-codes.js';
import { classifyAwsError, isAwsError, isNetworkError } from './aws-errors.js';
import { causeChain } from './cause-chain.js';
import { ERROR_CODES, isErrorCode, type ErrorCode } from './error-codes.js';
import { classifyKafkaError, isKafkaError, isKafkaUnreachable, tlsVerificationFailure } from './kafka-error-class.js';
import { StreamvaultError } from './streamvault-error.js';

/** What an error means for its caller, decided once from its class and its cause chain. */
export interface ErrorClassification {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  /** The exit code a command that stops on this error returns. */
  readonly exitCode: ExitCodeValue;
  /** What happened, for a message: the link of the chain that decided, `name: message`. */
  readonly root: string;
}

/**
 * Outermost decision first: streamvault's own error (it says what it is, whatever it wraps), then
 * credentials and permissions anywhere in the chain (no retry helps), then kafkajs's, the AWS
 * SDK's, a bare network error, and UNKNOWN.
 */
export function classify(error: unknown): ErrorClassification {
  const chain = causeChain(error);
  const own = chain.find((e): e is StreamvaultError | (Error & { code: ErrorCode }) => e instanceof StreamvaultError || (e instanceof Error && isErrorCode((e as { code?: unknown }).code)));
  if (own) {
    const entry = ERROR_CODES[own.code];
    const retriable = own instanceof StreamvaultError ? own.retriable : entry.retriable;
    const exitCode = own instanceof StreamvaultError ? own.exitCode : entry.exitCode;
    return { code: own.code, retriable, exitCode, root: describe(own) };
  }
  if (isKafkaError(error)) {
    const kafka = classifyKafkaError(error);
    const code: ErrorCode = kafka.kind === 'auth' ? 'KAFKA_AUTH' : isKafkaUnreachable(error) ? 'KAFKA_UNREACHABLE' : kafka.kind === 'fatal' ? 'KAFKA_FATAL' : 'KAFKA_RETRIABLE';
    return of(code, kafka.root);
  }
  const aws = chain.find(isAwsError);
  if (aws !== undefined) {
    const code = classifyAwsError(aws) ?? 'S3_FAILED';
    // An answer-less SDK error (no HTTP status) that wraps a network failure is that failure.
    const network = chain.find(isNetworkError);
    if ((code === 'S3_FAILED' || code === 'NETWORK') && network !== undefined) return of('NETWORK', describe(network));
    return of(code, describe(aws));
  }
  const network = chain.find(isNetworkError);
  if (network !== undefined) return of('NETWORK', describe(network));
  return of('UNKNOWN', describe(chain.at(-1) ?? error));
}

/** Whether another attempt may succeed. */
export function isRetriable(error: unknown): boolean {
  return classify(error).retriable;
}

/**
 * Whether the error, or anything it wraps, is about credentials or permissions (Kafka SASL or
 * ACLs, a TLS handshake or certificate refused, S3 access denied): restarting or retrying does not
 * help, the operator has to act.
 */
export function isCredentialOrPermissionError(error: unknown): boolean {
  if (tlsVerificationFailure(error) !== undefined) return true;
  const chain = causeChain(error);
  if (chain.some((e) => typeof (e as { code?: unknown } | null)?.code === 'string' && /^ERR_(SSL|TLS)_/.test((e as { code: string }).code))) return true;
  if (chain.some((e) => e instanceof StreamvaultError && ERROR_CODES[e.code].credentials)) return true;
  if (isKafkaError(error) && classifyKafkaError(error).kind === 'auth') return true;
  return chain.some((e) => classifyAwsError(e) === 'S3_ACCESS_DENIED');
}

function of(code: ErrorCode, root: string): ErrorClassification {
  return { code, retriable: ERROR_CODES[code].retriable, exitCode: ERROR_CODES[code].exitCode, root };
}

function describe(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}
