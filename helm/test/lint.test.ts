// `helm lint --strict` and the values schema (values.schema.json): wrong values fail at template time
// with a message that names the key.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { CHART, PROD_VALUES, cleanupHelm, ensureHelm, helm, render, renderFailure } from './chart.js';
import { SCHEMA_PATH, schemaText } from '../scripts/gen-schema.mjs';

before(ensureHelm);
after(cleanupHelm);

describe('helm lint --strict', { concurrency: true }, () => {
  it('default values', async () => {
    const res = await helm(['lint', '--strict', CHART]);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.match(res.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it('production values', async () => {
    const res = await helm(['lint', '--strict', CHART, '-f', PROD_VALUES, '--set', 'secrets.ngcApiKey=nvapi-test']);
    assert.equal(res.code, 0, res.stdout + res.stderr);
  });

  it('kubeVersion gate: refuses clusters older than 1.19', async () => {
    const res = await helm(['template', 'vista3d', CHART, '--kube-version', '1.18.0']);
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /kubeVersion|incompatible/i);
    assert.equal((await helm(['template', 'vista3d', CHART, '--kube-version', '1.19.0'])).code, 0);
  });
});

describe('values.schema.json', { concurrency: 4 }, () => {
  it('is in sync with helm/scripts/gen-schema.mjs', () => {
    assert.equal(readFileSync(SCHEMA_PATH, 'utf8'), schemaText(), 'run: node helm/scripts/gen-schema.mjs');
    const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as { $schema: string };
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
  });

  const bad: Array<[string[], RegExp]> = [
    [['backend.replicaCount=abc'], /\/backend\/replicaCount.*got string, want integer/],
    [['frontend.replicaCount=-1'], /\/frontend\/replicaCount/],
    [['backend.image.pullPolicy=Sometimes'], /\/backend\/image\/pullPolicy.*must be one of/],
    [['persistence.output.accessModes[0]=RWX'], /\/persistence\/output\/accessModes\/0.*must be one of/],
    [['persistence.dicom.mountPath=data/dicom'], /\/persistence\/dicom\/mountPath/],
    [['frontend.service.port=70000'], /\/frontend\/service\/port.*maximum/],
    [['imageServer.service.port=0'], /\/imageServer\/service\/port.*minimum/],
    [['backend.replicas=2'], /\/backend.*additional properties 'replicas' not allowed/],
    [['ingress.hosts[0].paths[0].service=api'], /\/ingress\/hosts\/0\/paths\/0\/service.*must be one of/],
    [['ingress.enabled=yes'], /\/ingress\/enabled.*want boolean/],
    [['backend.engine=gpu'], /\/backend\/engine.*must be one of/],
    [['frontend.podAntiAffinityPreset=medium'], /\/frontend\/podAntiAffinityPreset.*must be one of/],
    [['autoscaling.frontend.targetCPUUtilizationPercentage=150'], /targetCPUUtilizationPercentage.*maximum/],
    [['frontend.config.vista3dServer=nim:8000'], /\/frontend\/config\/vista3dServer/],
    [['monitoring.serviceMonitor.interval=30'], /\/monitoring\/serviceMonitor\/interval/],
    [['persistence.output.size=lots'], /\/persistence\/output\/size/],
    [['backend.image.digest=sha1:abc'], /\/backend\/image\/digest/],
  ];
  for (const [set, message] of bad) {
    it(`rejects ${set.join(' ')}`, async () => {
      const res = await renderFailure({ set });
      assert.notEqual(res.code, 0, `helm template accepted ${set.join(' ')}`);
      assert.match(res.stderr, /values don't meet the specifications of the schema/);
      assert.match(res.stderr, message);
    });
  }

  it('rejects a missing required field (image repository)', async () => {
    const res = await renderFailure({ set: ['backend.image=null'] });
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /\/backend.*missing propert.*image/);
  });

  it('accepts the documented alternatives', async () => {
    await render({ set: ['backend.image.repository=ghcr.io/vista3d/backend', 'backend.engine=onnx', 'backend.modelPath=/models/vista3d.onnx',
      'podDisruptionBudget.enabled=true', 'podDisruptionBudget.frontend.minAvailable=50%', 'persistence.output.accessModes[0]=ReadWriteOnce',
      'frontend.service.type=NodePort', 'imageServer.corsOrigins[0]=https://viewer.example.com'] });
  });
});
