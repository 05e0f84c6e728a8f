/**
 * The kafkajs classification lives in the error model (src/errors/kafka-error-class.ts) since
 * issue 11; kept as a re-export for the importers in src/backup and src/commands until they import
 * it from there.
 */
export { causeChain, classifyKafkaError, tlsVerificationFailure, type KafkaErrorClass } from '../errors/kafka-error-class.js';
