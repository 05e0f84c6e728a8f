import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1';
import { CronJob, Job } from 'kubernetes-models/batch/v1';
import { ConfigMap, PersistentVolumeClaim, Secret, Service } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { ENV_PREFIX } from '../../../src/config/variable.js';
import { variables } from '../../../src/config/variables/index.js';
import { ExitCode } from '../../../src/exit-codes.js';
import { byKind, DIR, loadManifests } from './manifests.js';

// kubectl and a cluster are not available on the CI machines: the manifests are parsed (yaml) and
// validated against the Kubernetes JSON schemas that kubernetes-models ships, then checked for the
// facts that must agree with the daemon's configuration. The schemas check types, enums and
// required fields; like kubectl without --validate=strict, they do not reject unknown fields.
const manifests = loadManifests();
const models: Record<string, new (data: any) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'batch/v1/CronJob': CronJob,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
};
const kubernetesObjects = manifests.filter((m) => m.file !== 'kustomization.yaml');
const config = byKind(manifests, 'ConfigMap', 'streamvault-config').data as Record<string, string>;
const secret = byKind(manifests, 'Secret', 'streamvault-credentials').stringData as Record<string, string>;
const deployment = byKind(manifests, 'Deployment');
const job = byKind(manifests, 'Job');
const cronJob = byKind(manifests, 'CronJob');
const drillPod = cronJob.spec.jobTemplate.spec.template.spec;
const pods = { 'deployment.yaml': deployment.spec.template.spec, 'restore-job.yaml': job.spec.template.spec } as Record<string, any>;
const known = new Set(Object.values(variables).map((v) => `${ENV_PREFIX}${v.name}`));
const containerOf = (pod: any) => pod.containers[0];
const envOf = (pod: any) => new Map<string, string>(containerOf(pod).env.map((e: any) => [e.name, e.value]));

describe('deploy/kubernetes', () => {
  it('validates every object against the Kubernetes schema of its kind', () => {
    const kinds = kubernetesObjects.map((m) => `${m.object.apiVersion}/${m.object.kind}`);
    expect(new Set(kinds)).toEqual(new Set(Object.keys(models)));
    for (const { file, object } of kubernetesObjects) {
      const Model = models[`${object.apiVersion}/${object.kind}`]!;
      expect(() => new Model(object).validate(), `${file}: ${object.kind} ${object.metadata?.name}`).not.toThrow();
    }
  });

  it('the schema check is not a no-op: it rejects a wrong enum and a missing required field', () => {
    const broken = structuredClone(job);
    broken.spec.template.spec.containers[0].terminationMessagePolicy = 'FallbackToLogs';
    delete broken.spec.template.spec.containers[0].name;
    expect(() => new Job(broken).validate()).toThrow(/terminationMessagePolicy.*|name/);
  });

  it('kustomization.yaml lists files that exist, every manifest but the on-demand restore Job and the opt-in drill CronJob', () => {
    const kustomization = byKind(manifests, 'Kustomization');
    expect(kustomization.apiVersion).toBe('kustomize.config.k8s.io/v1beta1');
    const resources = kustomization.resources as string[];
    for (const file of resources) expect(existsSync(join(DIR, file)), file).toBe(true);
    const files = new Set(kubernetesObjects.map((m) => m.file));
    expect(new Set(resources)).toEqual(new Set([...files].filter((f) => f !== 'restore-job.yaml' && f !== 'drill-cronjob.yaml')));
  });

  it('names only variables streamvault reads, and keeps credentials in the Secret', () => {
    const named = [...Object.keys(config), ...Object.keys(secret), ...[...Object.values(pods), drillPod].flatMap((pod) => [...envOf(pod).keys()])];
    for (const name of named) expect(known.has(name), name).toBe(true);
    for (const v of Object.values(variables).filter((v) => v.secret)) {
      expect(Object.keys(secret), v.name).toContain(`${ENV_PREFIX}${v.name}`);
      expect(Object.keys(config)).not.toContain(`${ENV_PREFIX}${v.name}`);
    }
    for (const pod of [...Object.values(pods), drillPod]) {
      expect(containerOf(pod).envFrom).toEqual([{ configMapRef: { name: 'streamvault-config' } }, { secretRef: { name: 'streamvault-credentials' } }]);
    }
  });

  it('gives the backup pod more time to stop than the shutdown grace plus the event flush', () => {
    const grace = Number(config.STREAMVAULT_SHUTDOWN_GRACE_SECONDS ?? variables.SHUTDOWN_GRACE_SECONDS.default);
    expect(pods['deployment.yaml'].terminationGracePeriodSeconds).toBeGreaterThanOrEqual(grace + 30);
  });

  it('probes /healthz and /readyz on the metrics port the daemon listens on', () => {
    const container = containerOf(pods['deployment.yaml']);
    const port = Number(config.STREAMVAULT_METRICS_PORT ?? variables.METRICS_PORT.default);
    expect(container.ports).toEqual([{ name: 'metrics', containerPort: port }]);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
    const service = byKind(manifests, 'Service');
    expect(service.spec.ports).toEqual([{ name: 'metrics', port, targetPort: 'metrics' }]);
    expect(service.spec.selector).toEqual(deployment.spec.template.metadata.labels);
  });

  it('mounts a persistent volume at the state directory, writable for the pod user, and turns service links off, in both pods', () => {
    const claims = new Set(manifests.filter((m) => m.object.kind === 'PersistentVolumeClaim').map((m) => m.object.metadata.name));
    for (const [file, pod] of Object.entries(pods)) {
      const stateDir = envOf(pod).get('STREAMVAULT_STATE_DIR');
      expect(stateDir, file).toBeDefined();
      const mount = containerOf(pod).volumeMounts.find((m: any) => m.mountPath === stateDir);
      expect(mount, `${file}: a volume at ${stateDir}`).toBeDefined();
      const volume = pod.volumes.find((v: any) => v.name === mount.name);
      expect(claims.has(volume.persistentVolumeClaim?.claimName), `${file}: a claim this directory defines`).toBe(true);
      expect(pod.enableServiceLinks, file).toBe(false);
      // The image's user (uid 1000); the kubelet gives the volume to fsGroup, group-writable.
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, fsGroupChangePolicy: 'OnRootMismatch' });
    }
    expect(new Set(Object.values(pods).map((pod) => pod.volumes.find((v: any) => v.name === 'state').persistentVolumeClaim.claimName)).size).toBe(2);
  });

  it('makes a failed container show its reason: the end of its log becomes the termination message', () => {
    for (const [file, pod] of Object.entries(pods)) {
      for (const container of pod.containers) expect(container.terminationMessagePolicy, file).toBe('FallbackToLogsOnError');
    }
    // A crash-looping Deployment (exit 6 for ever) fails `kubectl rollout status` instead of hanging.
    expect(deployment.spec.progressDeadlineSeconds).toBeLessThanOrEqual(600);
  });

  it('runs the restore Job through STREAMVAULT_MODE and fails it at once on the exit codes a retry cannot fix', () => {
    const pod = pods['restore-job.yaml'];
    expect(envOf(pod).get('STREAMVAULT_MODE')).toBe('restore');
    expect(pod.restartPolicy).toBe('Never');
    const failJob = job.spec.podFailurePolicy.rules
      .filter((r: any) => r.action === 'FailJob' && r.onExitCodes?.operator === 'In')
      .flatMap((r: any) => {
        expect(r.onExitCodes.containerName).toBe(containerOf(pod).name);
        return r.onExitCodes.values as number[];
      });
    const permanent = [ExitCode.badConfiguration, ExitCode.missingBackupLocation, ExitCode.partial, ExitCode.stateDirUnusable, ExitCode.groupsNotEmpty];
    expect([...failJob].sort()).toEqual([...permanent].sort());
    // Retried: 1 (unexpected, resumes), 5 (stream failures), 130 (forced stop), and evictions.
    expect(job.spec.podFailurePolicy.rules).toContainEqual({ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] });
  });

  it('runs the drill weekly, one at a time, and fails its Job at once when the restore differs from the backup', () => {
    // Minute hour day-of-month month day-of-week: once a week, on a fixed weekday.
    const [minute, hour, dayOfMonth, month, dayOfWeek] = cronJob.spec.schedule.split(' ');
    expect([minute, hour, dayOfMonth, month]).toEqual([expect.stringMatching(/^\d+$/), expect.stringMatching(/^\d+$/), '*', '*']);
    expect(dayOfWeek).toMatch(/^[0-6]$/);
    expect(cronJob.spec.concurrencyPolicy).toBe('Forbid');
    const container = containerOf(drillPod);
    expect(container.args[0]).toBe('drill');
    expect(drillPod.restartPolicy).toBe('Never');
    expect(drillPod.enableServiceLinks).toBe(false);
    expect(container.terminationMessagePolicy).toBe('FallbackToLogsOnError');
    expect(drillPod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 });
    const stateDir = envOf(drillPod).get('STREAMVAULT_STATE_DIR');
    expect(container.volumeMounts.map((m: any) => m.mountPath)).toContain(stateDir);
    const failJob = cronJob.spec.jobTemplate.spec.podFailurePolicy.rules
      .filter((r: any) => r.action === 'FailJob')
      .flatMap((r: any) => r.onExitCodes.values as number[]);
    expect([...failJob].sort()).toEqual([ExitCode.badConfiguration, ExitCode.missingBackupLocation, ExitCode.partial, ExitCode.stateDirUnusable].sort());
  });
});
