import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerfileParser, Entrypoint } from 'dockerfile-ast';

/** How the image starts the CLI: `node`, the flags given to node, the script. */
export interface ImageEntrypoint {
  readonly nodeFlags: readonly string[];
  /** The script's path inside the image, e.g. /app/dist/src/cli.js. */
  readonly script: string;
}

/**
 * The runtime stage's ENTRYPOINT of `<root>/Dockerfile`, so that the benchmark runs the daemon
 * with the node flags the image ships (the Dockerfile is their one source) and the Dockerfile
 * test checks them. Expects the exec form `["node", "--flag", ..., "/path/cli.js"]`.
 */
export function imageEntrypoint(root: string): ImageEntrypoint {
  const instructions = DockerfileParser.parse(readFileSync(join(root, 'Dockerfile'), 'utf8')).getInstructions();
  const lastFrom = instructions.map((i) => i.getKeyword()).lastIndexOf('FROM');
  const entrypoints = instructions.slice(lastFrom).filter((i): i is Entrypoint => i instanceof Entrypoint);
  if (entrypoints.length !== 1) throw new Error(`expected one ENTRYPOINT in the Dockerfile's runtime stage, found ${entrypoints.length}`);
  const raw = entrypoints[0]!.getArgumentsContent() ?? '';
  let form: unknown;
  try {
    form = JSON.parse(raw);
  } catch {
    form = undefined;
  }
  if (!Array.isArray(form) || !form.every((a): a is string => typeof a === 'string') || form[0] !== 'node') {
    throw new Error(`expected the ENTRYPOINT in exec form starting with "node", got ${raw}`);
  }
  const scriptAt = form.findIndex((arg, i) => i > 0 && !arg.startsWith('-'));
  if (scriptAt < 0) throw new Error(`expected the ENTRYPOINT to name a script after node's flags, got ${raw}`);
  return { nodeFlags: form.slice(1, scriptAt), script: form[scriptAt]! };
}
