import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { Copy, DockerfileParser, Env, Healthcheck, type Instruction } from 'dockerfile-ast';
import { validate, ValidationSeverity, type ValidatorSettings } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { variables } from '../../../src/config/variables/index.js';
import { imageEntrypoint } from '../../../scripts/bench/image-entrypoint.js';

// What can be checked without a Docker engine (none on the CI machines): the Dockerfile linted by
// dockerfile-utils (the Docker language server's validator), its parsed instructions (dockerfile-ast)
// against the repository, and the built output the runtime stage copies (`npm test` builds dist/).
const ROOT = resolve(import.meta.dirname, '../../..');
const TEXT = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const dockerfile = DockerfileParser.parse(TEXT);

/** The instructions of each stage, in order: a stage starts at its FROM. */
const stages: Instruction[][] = [];
for (const instruction of dockerfile.getInstructions()) {
  if (instruction.getKeyword() === 'FROM') stages.push([]);
  stages.at(-1)?.push(instruction);
}
const final = stages.at(-1)!;
const all = (list: Instruction[], keyword: string) => list.filter((i) => i.getKeyword() === keyword);
const one = (list: Instruction[], keyword: string): Instruction => {
  const found = all(list, keyword);
  expect(found, keyword).toHaveLength(1);
  return found[0]!;
};
/** The arguments of an instruction without its flags (`--from=build`, `--interval=30s`). */
const args = (instruction: Instruction) => instruction.getArguments().map((a) => a.getValue());
/** An exec-form (JSON array) argument list, as Docker reads it. */
const execForm = (instruction: Instruction) => JSON.parse(instruction.getArgumentsContent() ?? '') as string[];

const env = new Map<string, string>(
  final.filter((i) => i instanceof Env).flatMap((i) => i.getProperties().map((p) => [p.getName(), p.getValue() ?? ''] as [string, string])),
);
/** Whether a COPY takes its files from another stage (`--from=`) rather than the build context. */
const fromStage = (i: Instruction) => i instanceof Copy && i.getFromFlag() !== null;
const workdir = args(one(final, 'WORKDIR'))[0]!;
const entrypoint = execForm(one(final, 'ENTRYPOINT'));
/** node's flags and the script of the ENTRYPOINT, as the benchmark reads them to run the daemon like the image. */
const image = imageEntrypoint(ROOT);
const CLI = join(ROOT, 'dist/src/cli.js');

/** The copy from the build stage into the runtime stage: where dist/src lands in the image. */
function buildOutputCopy(): { source: string; target: string } {
  const copies = final.filter(fromStage);
  expect(copies).toHaveLength(1);
  const [source, destination] = args(copies[0]!);
  return { source: source!, target: resolve(workdir, destination!) };
}
/** Where a path inside the image comes from in this repository's build output, if it does. */
function repositoryPathOf(imagePath: string): string | undefined {
  const { source, target } = buildOutputCopy();
  if (!imagePath.startsWith(`${target}/`)) return undefined;
  return join(source.replace(/^\/app\//, ''), relative(target, imagePath));
}

function dockerignored(path: string): boolean {
  const patterns = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const first = path.split('/')[0]!;
  return patterns.some((p) => p === path || p === first || (p.startsWith('*.') && path.endsWith(p.slice(1))));
}

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? jsFiles(path) : name.endsWith('.js') ? [path] : [];
  });
}

describe('Dockerfile', () => {
  it('passes the dockerfile-utils linter with every optional rule raised to an error', () => {
    const strict: ValidatorSettings = {
      deprecatedMaintainer: ValidationSeverity.ERROR,
      directiveCasing: ValidationSeverity.ERROR,
      emptyContinuationLine: ValidationSeverity.ERROR,
      instructionCasing: ValidationSeverity.ERROR,
      instructionCmdMultiple: ValidationSeverity.ERROR,
      instructionEntrypointMultiple: ValidationSeverity.ERROR,
      instructionHealthcheckMultiple: ValidationSeverity.ERROR,
      instructionJSONInSingleQuotes: ValidationSeverity.ERROR,
      instructionWorkdirRelative: ValidationSeverity.ERROR,
    };
    const problems = validate(TEXT, strict).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
    expect(problems).toEqual([]);
  });

  it('the linter is not a no-op: it reports a malformed HEALTHCHECK and an empty instruction', () => {
    const broken = TEXT.replace('--interval=30s', '--interval=30x').replace('STOPSIGNAL SIGTERM', 'STOPSIGNAL');
    const messages = validate(broken).map((d) => d.message);
    expect(messages).toEqual(expect.arrayContaining([expect.stringMatching(/unknown unit x/), expect.stringMatching(/no arguments/)]));
  });

  it('builds from Node 24 slim in every stage and has a build and a runtime stage', () => {
    const froms = stages.map((stage) => stage[0]!);
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) expect(args(from)[0]).toBe('node:24-slim');
  });

  it('copies only files that exist and that .dockerignore lets through', () => {
    const copies = [...all(dockerfile.getInstructions(), 'COPY'), ...all(dockerfile.getInstructions(), 'ADD')].filter((c) => !fromStage(c));
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      for (const source of args(copy).slice(0, -1)) {
        expect(existsSync(join(ROOT, source)), `COPY source ${source}`).toBe(true);
        expect(dockerignored(source), `${source} is excluded by .dockerignore`).toBe(false);
      }
    }
  });

  it('installs production dependencies only in the runtime stage and copies the compiled daemon into the entrypoint path', () => {
    const runs = all(final, 'RUN').map((i) => i.getArgumentsContent() ?? '');
    expect(runs.some((r) => /npm ci\b.*--omit=dev/.test(r))).toBe(true);
    expect(runs.some((r) => /npm (ci|install)\b(?!.*--omit=dev)/.test(r))).toBe(false);
    expect(entrypoint).toEqual(['node', ...image.nodeFlags, image.script]);
    expect(repositoryPathOf(image.script)).toBe('dist/src/cli.js');
  });

  it('runs the entrypoint, node flags included, from the built output: --help exits 0 and lists the commands', () => {
    expect(existsSync(CLI), 'dist/src/cli.js (run npm run build)').toBe(true);
    // node refuses a flag it does not know (exit 9): CI runs this on Node 20 and on Node 24, the image's.
    const result = spawnSync(process.execPath, [...image.nodeFlags, CLI, '--help'], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/backup/);
    expect(result.stdout).toMatch(/restore/);
  });

  it('needs nothing at run time beyond dist/src and production dependencies', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const production = new Set(Object.keys(pkg.dependencies));
    const distSrc = join(ROOT, 'dist/src');
    for (const file of jsFiles(distSrc)) {
      const code = readFileSync(file, 'utf8');
      for (const match of code.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
        const specifier = (match[1] ?? match[2])!;
        if (specifier.startsWith('.')) {
          const target = resolve(dirname(file), specifier);
          expect(target.startsWith(`${distSrc}/`), `${relative(ROOT, file)} imports ${specifier} outside dist/src`).toBe(true);
          continue;
        }
        if (specifier.startsWith('node:') || builtinModules.includes(specifier)) continue;
        const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
        expect(production.has(name), `${relative(ROOT, file)} imports ${name}, not a production dependency`).toBe(true);
      }
    }
  });

  it('bounds the young generation of V8 in the image and in npm start alike (README, Performance)', () => {
    expect(image.nodeFlags).toContain('--max-semi-space-size=2');
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe(`node ${image.nodeFlags.join(' ')} dist/src/cli.js`);
  });

  it('runs as a non-root user', () => {
    expect(args(one(final, 'USER'))[0]).not.toMatch(/^(root|0)(:|$)/);
  });

  it('declares the state directory as a volume and points STREAMVAULT_STATE_DIR at it', () => {
    const volumes = execForm(one(final, 'VOLUME'));
    expect(env.get('STREAMVAULT_STATE_DIR')).toBeDefined();
    expect(volumes).toEqual([env.get('STREAMVAULT_STATE_DIR')]);
    // The non-root user must own it, or the daemon exits 6 ("state directory ... is not usable").
    const runs = all(final, 'RUN').map((i) => i.getArgumentsContent() ?? '');
    expect(runs.some((r) => r.includes('chown') && r.includes(env.get('STREAMVAULT_STATE_DIR')!))).toBe(true);
  });

  it('exposes the metrics port the health check and the daemon use', () => {
    expect(env.get('STREAMVAULT_METRICS_PORT')).toBe(variables.METRICS_PORT.default);
    expect(args(one(final, 'EXPOSE'))).toEqual([env.get('STREAMVAULT_METRICS_PORT')]);
  });

  it('health-checks with the built healthcheck entry, inside the timeout Docker gives it', () => {
    const healthcheck = one(final, 'HEALTHCHECK') as Healthcheck;
    expect(healthcheck.getSubcommand()?.getValue()).toBe('CMD');
    const raw = healthcheck.getArgumentsContent() ?? '';
    const command = JSON.parse(raw.slice(raw.indexOf('CMD') + 3).trim()) as string[];
    const flags = new Map(healthcheck.getFlags().map((f) => [f.getName(), f.getValue()]));
    expect(command[0]).toBe('node');
    expect(repositoryPathOf(command[1]!)).toBe('dist/src/healthcheck.js');
    expect(existsSync(join(ROOT, 'dist/src/healthcheck.js')), 'dist/src/healthcheck.js (run npm run build)').toBe(true);
    // The probe gives up (and says why) before Docker kills it: src/healthcheck.ts waits 4 s.
    expect(flags.get('timeout')).toBe('5s');
  });

  it('leaves the command to STREAMVAULT_MODE (backup by default) instead of a fixed CMD', () => {
    expect(execForm(one(final, 'CMD'))).toEqual([]);
    expect(variables.MODE.default).toBe('backup');
  });
});
