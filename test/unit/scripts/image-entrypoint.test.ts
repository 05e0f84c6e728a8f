import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { imageEntrypoint } from '../../../scripts/bench/image-entrypoint.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function withDockerfile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'image-entrypoint-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'Dockerfile'), text);
  return dir;
}

describe('imageEntrypoint', () => {
  it("reads node's flags and the script from the runtime stage's exec-form ENTRYPOINT", () => {
    const root = withDockerfile(
      ['FROM node:24-slim AS build', 'ENTRYPOINT ["node", "build.js"]', 'FROM node:24-slim AS runtime', 'ENTRYPOINT ["node", "--max-semi-space-size=2", "--no-warnings", "/app/dist/src/cli.js"]', 'CMD []', ''].join('\n'),
    );
    expect(imageEntrypoint(root)).toEqual({ nodeFlags: ['--max-semi-space-size=2', '--no-warnings'], script: '/app/dist/src/cli.js' });
  });

  it('gives no flags when node has none', () => {
    expect(imageEntrypoint(withDockerfile('FROM node:24-slim\nENTRYPOINT ["node", "/app/cli.js"]\n'))).toEqual({ nodeFlags: [], script: '/app/cli.js' });
  });

  it('refuses a shell-form ENTRYPOINT, one that does not start node, and a runtime stage without one', () => {
    expect(() => imageEntrypoint(withDockerfile('FROM node:24-slim\nENTRYPOINT node /app/cli.js\n'))).toThrow(/exec form starting with "node", got node \/app\/cli.js/);
    expect(() => imageEntrypoint(withDockerfile('FROM node:24-slim\nENTRYPOINT ["tini", "--", "node", "/app/cli.js"]\n'))).toThrow(/exec form starting with "node"/);
    expect(() => imageEntrypoint(withDockerfile('FROM node:24-slim\nENTRYPOINT ["node", "--max-semi-space-size=2"]\n'))).toThrow(/name a script after node's flags/);
    expect(() => imageEntrypoint(withDockerfile('FROM node:24-slim AS a\nENTRYPOINT ["node", "/a.js"]\nFROM node:24-slim AS b\n'))).toThrow(/one ENTRYPOINT in the Dockerfile's runtime stage, found 0/);
  });
});
