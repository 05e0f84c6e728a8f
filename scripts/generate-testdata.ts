// Rebuilds testdata/events and testdata/streams.json from testdata/schema (every generation), deterministically.
// Usage: npm run testdata   (or: node dist/scripts/generate-testdata.js [root])
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSchemaGenerations } from '../src/events/schema-generations.js';
import { generateSamples } from './testdata/generate-samples.js';
import { projectRoot } from './local/project-root.js';

const root = resolve(process.argv[2] ?? `${projectRoot(fileURLToPath(import.meta.url))}/testdata`);
const generations = await loadSchemaGenerations(`${root}/schema`);
const { events, streams } = await generateSamples(root, generations);
process.stdout.write(`wrote ${events} sample events and ${streams} stream recipes into ${root}\n`);
