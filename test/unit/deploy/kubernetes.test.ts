import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV_PREFIX } from '../../../src/config/variable.js';
import { variables } from '../../../src/config/variables/index.js';

// The manifests are checked as text (no YAML parser among the dependencies): the facts that
// must agree with the daemon's configuration, so that a renamed variable or port breaks a test.
const DIR = resolve(import.meta.dirname, '../../../deploy/kubernetes');
const read = (name: string) => readFileSync(join(DIR, name), 'utf8');
const known = new Set(Object.values(variables).map((v) => `${ENV_PREFIX}${v.name}`));
const configValue = (name: string) => new RegExp(`^\\s+${name}: "([^"]*)"`, 'm').exec(read('configmap.yaml'))?.[1];

describe('deploy/kubernetes', () => {
  it('names only variables streamvault reads', () => {
    for (const file of readdirSync(DIR).filter((f) => f.endsWith('.yaml'))) {
      const withoutComments = read(file).replace(/#.*$/gm, '');
      for (const [name] of withoutComments.matchAll(/STREAMVAULT_[A-Z0-9_]+/g)) {
        expect(known.has(name), `${file}: ${name}`).toBe(true);
      }
    }
  });

  it('gives the backup pod more time to stop than the shutdown grace plus the event flush', () => {
    const grace = Number(configValue('STREAMVAULT_SHUTDOWN_GRACE_SECONDS') ?? variables.SHUTDOWN_GRACE_SECONDS.default);
    const termination = Number(/terminationGracePeriodSeconds: (\d+)/.exec(read('deployment.yaml'))?.[1]);
    expect(termination).toBeGreaterThanOrEqual(grace + 30);
  });

  it('probes /healthz and /readyz on the metrics port the daemon listens on', () => {
    const deployment = read('deployment.yaml');
    const port = configValue('STREAMVAULT_METRICS_PORT') ?? variables.METRICS_PORT.default;
    expect(deployment).toMatch(new RegExp(`name: metrics\\s+containerPort: ${port}\\b`));
    expect(deployment).toMatch(/livenessProbe:\s+httpGet:\s+path: \/healthz\s+port: metrics/);
    expect(deployment).toMatch(/readinessProbe:\s+(#.*\s+)*httpGet:\s+path: \/readyz\s+port: metrics/);
  });

  it('mounts a persistent volume at the state directory, and turns service links off, in both pods', () => {
    for (const file of ['deployment.yaml', 'restore-job.yaml']) {
      const text = read(file);
      const stateDir = /name: STREAMVAULT_STATE_DIR\s+value: (\S+)/.exec(text)?.[1];
      expect(stateDir, file).toBeDefined();
      expect(text).toMatch(new RegExp(`- name: state\\s+mountPath: ${stateDir}\\s`));
      expect(text).toMatch(/- name: state\s+persistentVolumeClaim:\s+claimName: \S+/);
      expect(text).toMatch(/enableServiceLinks: false/);
    }
  });

  it('runs the restore Job through STREAMVAULT_MODE and keeps credentials in the Secret', () => {
    expect(read('restore-job.yaml')).toMatch(/name: STREAMVAULT_MODE\s+value: restore/);
    const secret = read('secret.yaml');
    for (const v of Object.values(variables).filter((v) => v.secret)) {
      expect(secret, v.name).toContain(`${ENV_PREFIX}${v.name}:`);
      expect(read('configmap.yaml')).not.toContain(`${ENV_PREFIX}${v.name}`);
    }
  });
});
