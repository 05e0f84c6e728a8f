// The source lives in scripts/local so that the demo (compiled by tsc) and the tests share it.
export * from '../../scripts/local/kafka-broker.js';
