import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { variables } from '../../../src/config/variables/index.js';
import { containerCommand, DEFAULT_METRICS_PORT, planHealthcheck } from '../../../src/observability/healthcheck-plan.js';
import { imageEntrypoint } from '../../../scripts/bench/image-entrypoint.js';

/** /proc/1/cmdline holds each argument followed by a NUL byte. */
const cmdline = (...args: string[]) => args.map((a) => `${a}\0`).join('');
/** The image's own command line (the Dockerfile's ENTRYPOINT): node, its flags, the script. */
const ENTRYPOINT = imageEntrypoint(resolve(import.meta.dirname, '../../..'));
const IMAGE = ['node', ...ENTRYPOINT.nodeFlags, ENTRYPOINT.script];
const noEnv = { mode: undefined, metricsEnabled: undefined, metricsPort: undefined, metricsHost: undefined };

describe('containerCommand', () => {
  it('is the argument after cli.js, skipping node options and an init process', () => {
    // The image starts node with flags of its own: the script is not the second argument.
    expect(IMAGE.length).toBeGreaterThan(2);
    expect(containerCommand(cmdline(...IMAGE, 'restore', '--json'), undefined)).toBe('restore');
    expect(containerCommand(cmdline('node', '--enable-source-maps', '/app/dist/src/cli.js', 'backup'), 'restore')).toBe('backup');
    expect(containerCommand(cmdline('/sbin/docker-init', '--', ...IMAGE, 'restore'), undefined)).toBe('restore');
    expect(containerCommand(cmdline('/usr/bin/tini', '--', ...IMAGE, 'verify'), undefined)).toBe('verify');
  });

  it('without an argument is what STREAMVAULT_MODE names, backup when unset or empty, as the CLI decides', () => {
    expect(containerCommand(cmdline(...IMAGE), ' Restore ')).toBe('restore');
    expect(containerCommand(cmdline(...IMAGE), undefined)).toBe('backup');
    expect(containerCommand(cmdline(...IMAGE), '')).toBe('backup');
    expect(containerCommand(cmdline('/sbin/docker-init', '--', ...IMAGE), undefined)).toBe('backup');
  });

  it('is undefined when the main process is not the streamvault CLI', () => {
    expect(containerCommand(cmdline('sh', '-c', 'sleep 1000'), 'backup')).toBeUndefined();
    expect(containerCommand('', undefined)).toBeUndefined();
  });
});

describe('planHealthcheck', () => {
  it('probes /healthz on loopback and the metrics port for the backup daemon only', () => {
    expect(planHealthcheck({ ...noEnv, cmdline: cmdline(...IMAGE) })).toEqual({ kind: 'probe', url: `http://127.0.0.1:${DEFAULT_METRICS_PORT}/healthz` });
    expect(planHealthcheck({ ...noEnv, cmdline: cmdline(...IMAGE, 'backup', '--once'), metricsPort: '9999', metricsHost: '0.0.0.0' })).toEqual({
      kind: 'probe',
      url: 'http://127.0.0.1:9999/healthz',
    });
    expect(planHealthcheck({ ...noEnv, cmdline: cmdline(...IMAGE), metricsHost: '10.1.2.3' })).toEqual({ kind: 'probe', url: 'http://10.1.2.3:9464/healthz' });
    expect(planHealthcheck({ ...noEnv, cmdline: cmdline(...IMAGE), metricsHost: '::1' })).toEqual({ kind: 'probe', url: 'http://[::1]:9464/healthz' });
  });

  it('skips, saying why, for a restore, another command, metrics turned off, or another main process', () => {
    const skip = (inputs: Partial<Parameters<typeof planHealthcheck>[0]> & { cmdline: string }) => planHealthcheck({ ...noEnv, ...inputs });
    expect(skip({ cmdline: cmdline(...IMAGE, 'restore') })).toEqual({ kind: 'skip', reason: expect.stringMatching(/`restore` serves no health endpoint/) });
    expect(skip({ cmdline: cmdline(...IMAGE), mode: 'restore' })).toEqual({ kind: 'skip', reason: expect.stringMatching(/`restore`/) });
    expect(skip({ cmdline: cmdline(...IMAGE, 'get', 'events') })).toEqual({ kind: 'skip', reason: expect.stringMatching(/`get`/) });
    expect(skip({ cmdline: cmdline(...IMAGE), metricsEnabled: 'false' })).toEqual({ kind: 'skip', reason: expect.stringMatching(/METRICS_ENABLED/) });
    expect(skip({ cmdline: cmdline('sh') })).toEqual({ kind: 'skip', reason: expect.stringMatching(/not the streamvault CLI \(sh\)/) });
  });

  it('uses the same default port as the daemon', () => {
    expect(DEFAULT_METRICS_PORT).toBe(variables.METRICS_PORT.default);
  });
});
