// Prints the layer order of src/ and every upward import (scripts/import-layers.ts). Usage: npm run layers.
import { fileURLToPath } from 'node:url';
import { layerReport, upwardImports } from './import-layers.js';
import { projectRoot } from './local/project-root.js';

process.stdout.write(layerReport(upwardImports(projectRoot(fileURLToPath(import.meta.url)))));
