import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { variables } from '../../../src/config/variables/index.js';

// What can be checked without a Docker engine: the Dockerfile's instructions against the
// repository, and the built output the runtime stage copies (`npm test` builds dist/ first).
const ROOT = resolve(import.meta.dirname, '../../..');

interface Instruction {
  keyword: string;
  args: string;
  stage: number;
}

function parseDockerfile(text: string): Instruction[] {
  const joined = text.replace(/\\\r?\n/g, ' ');
  const instructions: Instruction[] = [];
  let stage = -1;
  for (const raw of joined.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(\S+)\s*(.*)$/.exec(line)!;
    const keyword = match[1]!.toUpperCase();
    if (keyword === 'FROM') stage += 1;
    instructions.push({ keyword, args: match[2]!.trim(), stage });
  }
  return instructions;
}

const instructions = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const finalStage = Math.max(...instructions.map((i) => i.stage));
const final = instructions.filter((i) => i.stage === finalStage);
const one = (list: Instruction[], keyword: string) => {
  const found = list.filter((i) => i.keyword === keyword);
  expect(found, keyword).toHaveLength(1);
  return found[0]!.args;
};
const env = new Map(
  final
    .filter((i) => i.keyword === 'ENV')
    .flatMap((i) => [...i.args.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!] as const)),
);
const entrypoint = JSON.parse(one(final, 'ENTRYPOINT')) as string[];
const CLI = join(ROOT, 'dist/src/cli.js');

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
  it('builds from Node 24 slim in every stage and has a build and a runtime stage', () => {
    const bases = instructions.filter((i) => i.keyword === 'FROM').map((i) => i.args.split(/\s+/)[0]);
    expect(bases.length).toBeGreaterThanOrEqual(2);
    for (const base of bases) expect(base).toBe('node:24-slim');
  });

  it('copies only files that exist and that .dockerignore lets through', () => {
    const copies = instructions.filter((i) => (i.keyword === 'COPY' || i.keyword === 'ADD') && !i.args.startsWith('--from'));
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      const parts = copy.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      for (const source of parts.slice(0, -1)) {
        expect(existsSync(join(ROOT, source)), `COPY source ${source}`).toBe(true);
        expect(dockerignored(source), `${source} is excluded by .dockerignore`).toBe(false);
      }
    }
  });

  it('installs production dependencies only in the runtime stage and copies the compiled daemon into the entrypoint path', () => {
    const runs = final.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    expect(runs.some((r) => /npm ci\b.*--omit=dev/.test(r))).toBe(true);
    expect(runs.some((r) => /npm (ci|install)\b(?!.*--omit=dev)/.test(r))).toBe(false);
    const fromBuild = final.find((i) => i.keyword === 'COPY' && i.args.startsWith('--from='))!.args.split(/\s+/);
    const [, source, destination] = fromBuild;
    const workdir = one(final, 'WORKDIR');
    // The entrypoint script lies inside what the build stage's output copy brings in.
    expect(entrypoint[0]).toBe('node');
    const target = resolve(workdir, destination!);
    expect(entrypoint[1]!.startsWith(`${target}/`)).toBe(true);
    const inBuildOutput = join(source!.replace(/^\/app\//, ''), relative(target, entrypoint[1]!));
    expect(inBuildOutput).toBe('dist/src/cli.js');
  });

  it('runs the entrypoint from the built output: --help exits 0 and lists the commands', () => {
    expect(existsSync(CLI), 'dist/src/cli.js (run npm run build)').toBe(true);
    const result = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8', env: { PATH: process.env.PATH } });
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

  it('runs as a non-root user', () => {
    const user = one(final, 'USER');
    expect(user).not.toMatch(/^(root|0)(:|$)/);
  });

  it('declares the state directory as a volume and points STREAMVAULT_STATE_DIR at it', () => {
    const volume = one(final, 'VOLUME');
    const volumes = volume.startsWith('[') ? (JSON.parse(volume) as string[]) : volume.split(/\s+/);
    expect(env.get('STREAMVAULT_STATE_DIR')).toBeDefined();
    expect(volumes).toEqual([env.get('STREAMVAULT_STATE_DIR')]);
    // The non-root user must own it, or the daemon exits with "state directory not writable".
    expect(final.some((i) => i.keyword === 'RUN' && i.args.includes(`chown`) && i.args.includes(env.get('STREAMVAULT_STATE_DIR')!))).toBe(true);
  });

  it('exposes the metrics port the health check and the daemon use', () => {
    expect(env.get('STREAMVAULT_METRICS_PORT')).toBe(variables.METRICS_PORT.default);
    expect(one(final, 'EXPOSE')).toBe(env.get('STREAMVAULT_METRICS_PORT'));
  });

  it('has a HEALTHCHECK whose command passes against a /healthz that answers 200 and fails without one', async () => {
    const healthcheck = one(final, 'HEALTHCHECK');
    const command = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD') + 3).trim()) as string[];
    expect(command.slice(0, 2)).toEqual(['node', '-e']);
    const paths: string[] = [];
    const server = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(req.url === '/healthz' ? 200 : 404).end('ok');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;
    try {
      // Asynchronous: a synchronous spawn would block the event loop the in-test server needs.
      const run = (p: number) =>
        new Promise<number | null>((done) => {
          const child = spawn(process.execPath, ['-e', command[2]!], { env: { STREAMVAULT_METRICS_PORT: String(p) }, stdio: 'ignore' });
          child.once('exit', (code: number | null) => done(code));
        });
      expect(await run(port)).toBe(0);
      expect(paths).toEqual(['/healthz']);
      await new Promise<void>((done) => server.close(() => done()));
      expect(await run(port)).toBe(1);
    } finally {
      server.close();
    }
  });

  it('leaves the command to STREAMVAULT_MODE (backup by default) instead of a fixed CMD', () => {
    expect(JSON.parse(one(final, 'CMD'))).toEqual([]);
    expect(variables.MODE.default).toBe('backup');
  });
});
