// Sample events for testdata/: capture them from a live topic, or convert between the Avro datums
// and their JSON twins. Run through scripts/run-get-samples.sh. Configuration: the usual
// STREAMVAULT_* variables (brokers, TLS/SASL, pairs and topics, EVENT_SCHEMA, EVENT_TYPE_MAP).
//
//   samples.js capture <source/event>... [--count N] [--root DIR] [--timeout SECONDS]
//   samples.js to-avro [<source/event>...] [--root DIR]    JSON twins -> .avro datums
//   samples.js to-json [<source/event>...] [--root DIR]    .avro datums -> JSON twins
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatProblems, loadConfig } from '../src/config/load-config.js';
import { kafkaSettings } from '../src/config/settings.js';
import { createGenerationDecoder } from '../src/events/generation-decoder.js';
import { resolveTypeNames } from '../src/config/event-type-map.js';
import { loadSchemaGenerations } from '../src/events/schema-generations.js';
import { createKafka } from '../src/kafka/create-kafka.js';
import { createLogger } from '../src/observability/logger.js';
import { projectRoot } from './local/project-root.js';
import { captureSamples } from './testdata/capture-samples.js';
import { convertSamples } from './testdata/convert-samples.js';
import { listSamplePairs } from './testdata/sample-files.js';

const USAGE = `usage:
  samples capture <source/event>... [--count N] [--root DIR] [--timeout SECONDS]
  samples to-avro [<source/event>...] [--root DIR]
  samples to-json [<source/event>...] [--root DIR]`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      count: { type: 'string', default: '10' },
      root: { type: 'string' },
      timeout: { type: 'string', default: '60' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...pairIds] = positionals;
  if (values.help || command === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const root = resolve(values.root ?? `${projectRoot(fileURLToPath(import.meta.url))}/testdata`);
  // Capture needs no bucket; the loader requires one for the daemon's sake.
  const loaded = loadConfig(process.env, process.env.STREAMVAULT_S3_BUCKET ? {} : { S3_BUCKET: 'not-used-by-samples' });
  if (!loaded.ok) {
    process.stderr.write(`samples: ${formatProblems(loaded.problems)}\n`);
    return 2;
  }
  const config = loaded.config;
  const schemaPath = config.EVENT_SCHEMA === '' ? `${root}/schema` : config.EVENT_SCHEMA;
  const generations = await loadSchemaGenerations(schemaPath);
  const log = (line: string) => process.stderr.write(`samples: ${line}\n`);

  if (command === 'to-avro' || command === 'to-json') {
    const pairs = (await listSamplePairs(root)).filter((p) => pairIds.length === 0 || pairIds.includes(`${p.source}/${p.event}`));
    const written = await convertSamples(pairs, generations, command);
    log(`${command}: wrote ${written} files in ${pairs.length} pair directories under ${root} (schema ${schemaPath})`);
    return 0;
  }
  if (command !== 'capture' || pairIds.length === 0) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const count = Number(values.count);
  const timeoutSeconds = Number(values.timeout);
  if (!Number.isInteger(count) || count < 1) {
    process.stderr.write(`samples: --count: expected an integer from 1 and up, got ${JSON.stringify(values.count)}\n`);
    return 2;
  }
  if (!(timeoutSeconds > 0)) {
    process.stderr.write(`samples: --timeout: expected seconds above 0, got ${JSON.stringify(values.timeout)}\n`);
    return 2;
  }
  const logger = createLogger(config.LOG_LEVEL);
  const kafka = createKafka(kafkaSettings(config), logger);
  for (const id of pairIds) {
    const [source, event, extra] = id.split('/');
    const pair = config.pairs.find((p) => p.source === source && p.event === event);
    if (source === undefined || event === undefined || extra !== undefined || pair === undefined) {
      process.stderr.write(
        `samples: expected a configured source/event pair, got ${JSON.stringify(id)}; configured: ${config.pairs.map((p) => `${p.source}/${p.event}`).join(', ')}\n`,
      );
      return 2;
    }
    const decoder = createGenerationDecoder(generations, resolveTypeNames(config.EVENT_TYPE_MAP, event));
    const result = await captureSamples({ kafka, topic: pair.topic, source, event, count, root, generations, decoder, timeoutMs: timeoutSeconds * 1000, log });
    log(`${id}: captured ${result.captured} events from ${pair.topic} into ${result.dir}${result.skipped > 0 ? ` (${result.skipped} did not decode and were skipped)` : ''}`);
  }
  return 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`samples: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
