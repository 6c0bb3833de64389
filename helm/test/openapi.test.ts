// Every object the chart renders, validated offline against the Kubernetes OpenAPI schemas
// (kubernetes-models: validators generated from the Kubernetes OpenAPI spec) and the ServiceMonitor
// against the Prometheus Operator CRD schema (@kubernetes-models/prometheus-operator).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Pod } from 'kubernetes-models/v1/Pod';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { PROD_VALUES, cleanupHelm, ensureHelm, render, type K8sObject } from './chart.js';

interface Validatable { validate(): void }
type ModelCtor = new (data: never) => Validatable;

const MODELS: Record<string, ModelCtor> = {
  'apps/v1/Deployment': Deployment as unknown as ModelCtor,
  'apps/v1/StatefulSet': StatefulSet as unknown as ModelCtor,
  'batch/v1/Job': Job as unknown as ModelCtor,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler as unknown as ModelCtor,
  'networking.k8s.io/v1/Ingress': Ingress as unknown as ModelCtor,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy as unknown as ModelCtor,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget as unknown as ModelCtor,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim as unknown as ModelCtor,
  'v1/Pod': Pod as unknown as ModelCtor,
  'v1/Secret': Secret as unknown as ModelCtor,
  'v1/Service': Service as unknown as ModelCtor,
  'v1/ServiceAccount': ServiceAccount as unknown as ModelCtor,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor as unknown as ModelCtor,
};

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function validateObject(o: K8sObject): string[] {
  const problems: string[] = [];
  const id = `${o.apiVersion}/${o.kind} ${o.metadata?.name}`;
  const Model = MODELS[`${o.apiVersion}/${o.kind}`];
  if (!Model) return [`${id}: no schema for this kind (add it to MODELS)`];
  try {
    const { apiVersion: _a, kind: _k, ...data } = o;
    const model = new Model(data as never);
    model.validate();
  } catch (err) {
    problems.push(`${id}: ${(err as Error).message}`);
  }
  // Checks the API server makes that the OpenAPI schema does not express.
  if (!DNS1123_SUBDOMAIN.test(o.metadata.name) || o.metadata.name.length > 253) problems.push(`${id}: invalid name`);
  if (['Service', 'Deployment'].includes(o.kind) && o.metadata.name.length > 63) problems.push(`${id}: name longer than 63`);
  for (const [k, v] of Object.entries(o.metadata.labels ?? {})) {
    if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v)) problems.push(`${id}: bad label ${k}=${String(v)}`);
  }
  return problems;
}

function validateAll(objs: K8sObject[]): void {
  const problems = objs.flatMap(validateObject);
  assert.deepEqual(problems, []);
}

/** Deliberately broken objects must fail, so the validators above are known to be live. */
describe('validators are live', () => {
  it('rejects a Deployment with replicas as a string and a container without image name', () => {
    const bad: K8sObject = {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' },
      spec: { replicas: 'two', selector: { matchLabels: { a: 'b' } }, template: { spec: { containers: [{ image: 'i' }] } } },
    };
    const problems = validateObject(bad);
    assert.ok(problems.some((p) => /replicas must be integer/.test(p)), problems.join('\n'));
    assert.ok(problems.some((p) => /must have required property '?name'?/.test(p)), problems.join('\n'));
  });

  it('rejects a ServiceMonitor whose endpoints are not a list', () => {
    const problems = validateObject({
      apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'x' },
      spec: { selector: {}, endpoints: { port: 'http' } },
    });
    assert.ok(problems.some((p) => /endpoints must be array/.test(p)), problems.join('\n'));
  });
});

before(ensureHelm);
after(cleanupHelm);

describe('rendered objects against the Kubernetes OpenAPI schemas', { concurrency: true }, () => {
  const cases: Array<[string, Parameters<typeof render>[0]]> = [
    ['default values', {}],
    ['every optional object on', { set: ['ingress.enabled=true', 'ingress.tls[0].secretName=tls', 'ingress.tls[0].hosts[0]=vista3d.local',
      'podDisruptionBudget.enabled=true', 'autoscaling.frontend.enabled=true', 'autoscaling.imageServer.enabled=true',
      'autoscaling.worker.enabled=true', 'networkPolicy.enabled=true', 'monitoring.serviceMonitor.enabled=true', 'secrets.apiKey=x', 'backend.persistWorkspaceOutputs=true',
      'frontend.podAntiAffinityPreset=hard', 'global.imagePullSecrets[0].name=reg'] }],
    ['production values', { values: [PROD_VALUES] }],
    ['external database by URL', { set: ['database.url=postgresql://u:p@db:5432/vista3d', 'worker.config.backends[0]=http://nim-a:8000', 'worker.config.backends[1]=http://nim-b:8000'] }],
    ['backend off, existing claims and secret, no service account', { set: ['backend.enabled=false', 'frontend.config.vista3dServer=http://nim:8000',
      'persistence.output.existingClaim=o', 'persistence.dicom.existingClaim=d', 'secrets.existingSecret=s', 'serviceAccount.create=false'] }],
  ];
  for (const [name, opts] of cases) {
    it(name, async () => {
      const objs = await render(opts);
      assert.ok(objs.length >= 5, `only ${objs.length} objects`);
      validateAll(objs);
    });
  }

  it('covers every kind the chart can render', async () => {
    const objs = await render(cases[1]![1]);
    const kinds = new Set(objs.map((o) => `${o.apiVersion}/${o.kind}`));
    for (const k of Object.keys(MODELS)) assert.ok(kinds.has(k), `${k} not rendered by the all-on case`);
  });
});
