// `helm template` output of the vista3d chart, parsed and asserted object by object.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import {
  PROD_VALUES, cleanupHelm, container, ensureHelm, envOf, find, findAll, has, podSpec, render, renderFailure,
  type K8sObject,
} from './chart.js';

const COMPONENTS = [
  { component: 'backend', name: 'vista3d-backend', port: 8000 },
  { component: 'frontend', name: 'vista3d-frontend', port: 8501 },
  { component: 'image-server', name: 'vista3d-image-server', port: 8888 },
] as const;

const ALL_ON = [
  'ingress.enabled=true', 'podDisruptionBudget.enabled=true', 'autoscaling.frontend.enabled=true', 'autoscaling.worker.enabled=true',
  'autoscaling.imageServer.enabled=true', 'networkPolicy.enabled=true', 'monitoring.serviceMonitor.enabled=true',
];

before(ensureHelm);
after(cleanupHelm);

describe('default values', () => {
  let objs: K8sObject[];
  before(async () => { objs = await render(); });

  it('renders the three deployments and services with component labels and vista3d-* names', () => {
    for (const { component, name, port } of COMPONENTS) {
      const dep = find(objs, 'Deployment', name);
      const svc = find(objs, 'Service', name);
      for (const o of [dep, svc]) {
        assert.equal(o.metadata.labels?.['app.kubernetes.io/component'], component);
        assert.equal(o.metadata.labels?.['app.kubernetes.io/name'], 'vista3d');
        assert.equal(o.metadata.labels?.['app.kubernetes.io/instance'], 'vista3d');
        assert.equal(o.metadata.labels?.['app.kubernetes.io/version'], '1.1.0');
        assert.equal(o.metadata.labels?.['app.kubernetes.io/managed-by'], 'Helm');
        assert.equal(o.metadata.labels?.['helm.sh/chart'], 'vista3d-1.1.0');
        assert.equal(o.metadata.namespace, 'vista3d');
      }
      const selector = (dep.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
      assert.deepEqual(selector, { 'app.kubernetes.io/name': 'vista3d', 'app.kubernetes.io/instance': 'vista3d', 'app.kubernetes.io/component': component });
      const podLabels = (dep.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
      for (const [k, v] of Object.entries(selector)) assert.equal(podLabels[k], v);
      const svcSpec = svc.spec as { selector: Record<string, string>; ports: Array<{ port: number; targetPort: string }> };
      assert.deepEqual(svcSpec.selector, selector);
      assert.equal(svcSpec.ports[0]!.port, port);
      assert.equal(svcSpec.ports[0]!.targetPort, 'http');
      assert.equal(container(dep).ports?.[0]?.containerPort, port);
    }
  });

  it('backend: NIM image 1.0.0, GPU limit/request, GPU nodeSelector and toleration, Recreate', () => {
    const dep = find(objs, 'Deployment', 'vista3d-backend');
    const c = container(dep);
    assert.equal(c.image, 'nvcr.io/nim/nvidia/vista3d:1.0.0');
    assert.equal(c.resources?.limits?.['nvidia.com/gpu'], 1);
    assert.equal(c.resources?.requests?.['nvidia.com/gpu'], 1);
    const pod = podSpec(dep);
    assert.deepEqual(pod.nodeSelector, { 'nvidia.com/gpu': 'true' });
    assert.deepEqual(pod.tolerations, [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    assert.equal((dep.spec as { strategy: { type: string } }).strategy.type, 'Recreate');
    assert.equal((dep.spec as { replicas: number }).replicas, 1);
  });

  it('GPU resources, nodeSelector and tolerations are on the backend only', () => {
    for (const name of ['vista3d-frontend', 'vista3d-image-server']) {
      const dep = find(objs, 'Deployment', name);
      const c = container(dep);
      assert.ok(!JSON.stringify(c.resources).includes('nvidia.com/gpu'), `${name} requests a GPU`);
      assert.equal(podSpec(dep).nodeSelector, undefined);
      assert.equal(podSpec(dep).tolerations, undefined);
    }
  });

  it('backend env: NGC_API_KEY from vista3d-secrets/ngc-api-key, WORKSPACE_OUTPUTS_PATH, IMAGE_SERVER', () => {
    const env = envOf(container(find(objs, 'Deployment', 'vista3d-backend')));
    assert.deepEqual(env.get('NGC_API_KEY')?.valueFrom?.secretKeyRef, { name: 'vista3d-secrets', key: 'ngc-api-key', optional: true });
    assert.equal(env.get('WORKSPACE_OUTPUTS_PATH')?.value, '/workspace/outputs');
    assert.equal(env.get('IMAGE_SERVER')?.value, 'http://vista3d-image-server:8888');
    assert.equal(env.has('VISTA3D_ENGINE'), false, 'the NIM gets no engine variable');
  });

  it('frontend: 2 replicas, env pointing at the in-cluster services and the mounted folders', () => {
    const dep = find(objs, 'Deployment', 'vista3d-frontend');
    assert.equal((dep.spec as { replicas: number }).replicas, 2);
    const env = envOf(container(dep));
    assert.equal(env.get('VISTA3D_SERVER')?.value, 'http://vista3d-backend:8000');
    assert.equal(env.get('IMAGE_SERVER')?.value, 'http://vista3d-image-server:8888');
    assert.equal(env.get('OUTPUT_FOLDER')?.value, '/data/output');
    assert.equal(env.get('DICOM_FOLDER')?.value, '/data/dicom');
    assert.equal(container(dep).image, 'ghcr.io/vista3d/frontend:1.1.0');
    const pref = JSON.stringify(podSpec(dep).affinity);
    assert.match(pref, /preferredDuringSchedulingIgnoredDuringExecution/);
    assert.match(pref, /"app.kubernetes.io\/component":"frontend"/);
  });

  it('image server env and folders', () => {
    const env = envOf(container(find(objs, 'Deployment', 'vista3d-image-server')));
    assert.equal(env.get('OUTPUT_FOLDER')?.value, '/data/output');
    assert.equal(env.get('DICOM_FOLDER')?.value, '/data/dicom');
    assert.equal(env.get('READ_ONLY')?.value, 'false');
  });

  it('PVCs: output ReadWriteMany 100Gi, dicom ReadOnlyMany 50Gi, kept on uninstall', () => {
    const out = find(objs, 'PersistentVolumeClaim', 'vista3d-output');
    const dicom = find(objs, 'PersistentVolumeClaim', 'vista3d-dicom');
    const spec = (o: K8sObject) => o.spec as { accessModes: string[]; resources: { requests: { storage: string } }; storageClassName?: string };
    assert.deepEqual(spec(out).accessModes, ['ReadWriteMany']);
    assert.equal(spec(out).resources.requests.storage, '100Gi');
    assert.deepEqual(spec(dicom).accessModes, ['ReadOnlyMany']);
    assert.equal(spec(dicom).resources.requests.storage, '50Gi');
    assert.equal(spec(out).storageClassName, undefined);
    assert.equal(out.metadata.annotations?.['helm.sh/resource-policy'], 'keep');
  });

  it('dicom is mounted read-only everywhere, output read-write in frontend and image server', () => {
    for (const name of ['vista3d-frontend', 'vista3d-image-server']) {
      const dep = find(objs, 'Deployment', name);
      const mounts = new Map((container(dep).volumeMounts ?? []).map((m) => [m.name, m]));
      assert.equal(mounts.get('dicom')?.readOnly, true, `${name} dicom mount`);
      assert.equal(mounts.get('dicom')?.mountPath, '/data/dicom');
      assert.ok(!mounts.get('output')?.readOnly, `${name} output mount is writable`);
      assert.equal(mounts.get('output')?.mountPath, '/data/output');
      const vols = new Map((podSpec(dep).volumes ?? []).map((v) => [v.name, v]));
      assert.deepEqual(vols.get('dicom')?.persistentVolumeClaim, { claimName: 'vista3d-dicom', readOnly: true });
      assert.deepEqual(vols.get('output')?.persistentVolumeClaim, { claimName: 'vista3d-output' });
    }
  });

  it('probes hit the real health endpoints', () => {
    const b = container(find(objs, 'Deployment', 'vista3d-backend'));
    assert.equal(b.livenessProbe?.httpGet?.path, '/v1/health/live');
    assert.equal(b.readinessProbe?.httpGet?.path, '/v1/health/ready');
    assert.equal(b.startupProbe?.httpGet?.path, '/v1/health/live');
    assert.ok((b.livenessProbe?.initialDelaySeconds ?? 0) >= 60, 'generous initial delay for the NIM model load');
    assert.ok((b.startupProbe?.failureThreshold ?? 0) * (b.startupProbe?.periodSeconds ?? 0) >= 600);
    for (const name of ['vista3d-frontend', 'vista3d-image-server']) {
      const c = container(find(objs, 'Deployment', name));
      assert.equal(c.livenessProbe?.httpGet?.path, '/health');
      assert.equal(c.readinessProbe?.httpGet?.path, '/health');
      assert.equal(c.livenessProbe?.httpGet?.port, 'http');
    }
  });

  it('security contexts: non-root 1000, fsGroup 1000, no capabilities, RuntimeDefault seccomp, read-only root with /tmp emptyDir', () => {
    for (const { name } of COMPONENTS) {
      const dep = find(objs, 'Deployment', name);
      const pod = podSpec(dep);
      assert.deepEqual(
        { ...pod.securityContext },
        { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' } },
      );
      const sc = container(dep).securityContext!;
      assert.equal(sc.allowPrivilegeEscalation, false);
      assert.equal(sc.runAsNonRoot, true);
      assert.deepEqual(sc.capabilities?.drop, ['ALL']);
      assert.deepEqual(sc.seccompProfile, { type: 'RuntimeDefault' });
      assert.ok((container(dep).volumeMounts ?? []).some((m) => m.mountPath === '/tmp'), `${name} has /tmp`);
      assert.ok((pod.volumes ?? []).some((v) => v.name === 'tmp' && v.emptyDir), `${name} /tmp is an emptyDir`);
      assert.equal(pod.automountServiceAccountToken, false);
      assert.equal(pod.serviceAccountName, 'vista3d');
    }
    assert.equal(container(find(objs, 'Deployment', 'vista3d-frontend')).securityContext?.readOnlyRootFilesystem, true);
    assert.equal(container(find(objs, 'Deployment', 'vista3d-image-server')).securityContext?.readOnlyRootFilesystem, true);
    // The NIM writes into its own filesystem; our image can turn it back on.
    assert.equal(container(find(objs, 'Deployment', 'vista3d-backend')).securityContext?.readOnlyRootFilesystem, false);
  });

  it('ServiceAccount with automount off, Secret vista3d-secrets; optional objects are off', () => {
    const sa = find(objs, 'ServiceAccount', 'vista3d');
    assert.equal(sa.automountServiceAccountToken, false);
    const secret = find(objs, 'Secret', 'vista3d-secrets');
    assert.deepEqual(Object.keys(secret.data as object), ['ngc-api-key', 'metrics-token', 'admin-password']);
    assert.equal(Buffer.from(String((secret.data as Record<string, string>)['metrics-token']), 'base64').length, 32, 'a generated metrics token');
    for (const kind of ['Ingress', 'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'ServiceMonitor']) {
      assert.equal(has(objs, kind), false, `${kind} rendered by default`);
    }
  });

  it('helm test hook pod checks the three services health endpoints', () => {
    const pod = find(objs, 'Pod', 'vista3d-test-connection');
    assert.equal(pod.metadata.annotations?.['helm.sh/hook'], 'test');
    const script = JSON.stringify(pod.spec);
    for (const url of ['http://vista3d-frontend:8501/health', 'http://vista3d-image-server:8888/health',
      'http://vista3d-backend:8000/v1/health/live', 'http://vista3d-backend:8000/v1/health/ready']) {
      assert.ok(script.includes(url), `test pod checks ${url}`);
    }
    assert.ok(!/:latest"/.test(script));
  });
});

describe('feature toggles', { concurrency: 4 }, () => {
  it('all optional objects on', async () => {
    const objs = await render({ set: ALL_ON });
    assert.ok(has(objs, 'Ingress', 'vista3d'));
    assert.deepEqual(findAll(objs, 'PodDisruptionBudget').map((o) => o.metadata.name).sort(), ['vista3d-frontend', 'vista3d-image-server']);
    assert.deepEqual(findAll(objs, 'HorizontalPodAutoscaler').map((o) => o.metadata.name).sort(), ['vista3d-frontend', 'vista3d-image-server', 'vista3d-worker']);
    assert.deepEqual(findAll(objs, 'NetworkPolicy').map((o) => o.metadata.name).sort(), ['vista3d-backend', 'vista3d-frontend', 'vista3d-image-server', 'vista3d-migrations', 'vista3d-postgresql', 'vista3d-worker']);
    assert.ok(has(objs, 'ServiceMonitor', 'vista3d'));
    // With an HPA the Deployment leaves replicas to it.
    for (const name of ['vista3d-frontend', 'vista3d-image-server', 'vista3d-worker']) {
      assert.equal((find(objs, 'Deployment', name).spec as { replicas?: number }).replicas, undefined);
    }
    assert.equal((find(objs, 'Deployment', 'vista3d-backend').spec as { replicas?: number }).replicas, 1);
  });

  it('ingress routes /, /api/vista3d, /images and /health to the right services and ports', async () => {
    const objs = await render({ set: ['ingress.enabled=true', 'ingress.tls[0].secretName=tls', 'ingress.tls[0].hosts[0]=vista3d.local'] });
    const ing = find(objs, 'Ingress', 'vista3d');
    assert.equal(ing.apiVersion, 'networking.k8s.io/v1');
    const spec = ing.spec as {
      ingressClassName: string;
      tls: Array<{ secretName: string; hosts: string[] }>;
      rules: Array<{ host: string; http: { paths: Array<{ path: string; pathType: string; backend: { service: { name: string; port: { number: number } } } }> } }>;
    };
    assert.equal(spec.ingressClassName, 'nginx');
    assert.deepEqual(spec.tls, [{ secretName: 'tls', hosts: ['vista3d.local'] }]);
    const routes = Object.fromEntries(spec.rules[0]!.http.paths.map((p) => [p.path, `${p.backend.service.name}:${p.backend.service.port.number}`]));
    assert.deepEqual(routes, {
      '/': 'vista3d-frontend:8501',
      '/api/vista3d': 'vista3d-backend:8000',
      '/images': 'vista3d-image-server:8888',
      '/health': 'vista3d-frontend:8501',
    });
    assert.equal(spec.rules[0]!.host, 'vista3d.local');
  });

  it('NetworkPolicy: each service port open only to its peers', async () => {
    const objs = await render({ set: ['networkPolicy.enabled=true', 'ingress.enabled=true'] });
    type Peer = { podSelector?: { matchLabels?: Record<string, string> }; namespaceSelector?: { matchLabels?: Record<string, string> } };
    const rule = (name: string) => {
      const spec = find(objs, 'NetworkPolicy', name).spec as {
        podSelector: { matchLabels: Record<string, string> }; policyTypes: string[];
        ingress: Array<{ ports: Array<{ port: number; protocol: string }>; from: Peer[] }>;
      };
      assert.deepEqual(spec.policyTypes, ['Ingress', 'Egress']);
      assert.equal(spec.ingress.length, 1);
      const peers = spec.ingress[0]!.from.map((p) =>
        p.podSelector?.matchLabels?.['app.kubernetes.io/component'] ?? `ns:${p.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name']}`);
      return { selected: spec.podSelector.matchLabels['app.kubernetes.io/component'], ports: spec.ingress[0]!.ports.map((p) => p.port), peers: peers.sort() };
    };
    assert.deepEqual(rule('vista3d-frontend'), { selected: 'frontend', ports: [8501], peers: ['ns:ingress-nginx', 'ns:monitoring', 'test'] });
    assert.deepEqual(rule('vista3d-image-server'), { selected: 'image-server', ports: [8888], peers: ['backend', 'frontend', 'ns:ingress-nginx', 'ns:monitoring', 'test', 'worker'] });
    assert.deepEqual(rule('vista3d-backend'), { selected: 'backend', ports: [8000], peers: ['frontend', 'ns:ingress-nginx', 'ns:monitoring', 'test', 'worker'] });
    assert.deepEqual(rule('vista3d-worker'), { selected: 'worker', ports: [8601], peers: ['ns:monitoring'] });
    assert.deepEqual(rule('vista3d-postgresql'), { selected: 'postgresql', ports: [5432], peers: ['frontend', 'migrations', 'ns:monitoring', 'worker'] });
    // Without an Ingress, the ingress controller cannot reach the backend.
    const noIngress = await render({ set: ['networkPolicy.enabled=true'] });
    const from = JSON.stringify((find(noIngress, 'NetworkPolicy', 'vista3d-backend').spec as { ingress: unknown }).ingress);
    assert.ok(!from.includes('ingress-nginx'));
  });

  it('NetworkPolicy egress: each component reaches DNS and only the services it calls; external peers one by one', async () => {
    type Rule = { to?: Array<{ podSelector?: { matchLabels?: Record<string, string> }; namespaceSelector?: unknown; ipBlock?: { cidr: string; except?: string[] } }>; ports?: Array<{ port: number; protocol: string }> };
    const egress = (objs: K8sObject[], name: string): Rule[] => (find(objs, 'NetworkPolicy', name).spec as { egress: Rule[] }).egress;
    /** Each rule as `component:port`, `dns:53`, `public:443` (ipBlock) or `cidr:<cidr>:port`. */
    const targets = (objs: K8sObject[], name: string): string[] =>
      egress(objs, name).flatMap((r) => (r.to ?? [{}]).flatMap((t) => (r.ports ?? [{ port: 0 }]).map((p) => {
        const c = t.podSelector?.matchLabels?.['app.kubernetes.io/component'] ?? (t.podSelector?.matchLabels?.['k8s-app'] === 'kube-dns' ? 'dns' : undefined);
        if (c) return `${c}:${p.port}`;
        if (t.ipBlock) return t.ipBlock.cidr === '0.0.0.0/0' ? `public:${p.port}` : `cidr:${t.ipBlock.cidr}:${p.port}`;
        return `any:${p.port}`;
      }))).filter((v, i, a) => a.indexOf(v) === i).sort();
    const objs = await render({ set: ['networkPolicy.enabled=true'] });
    assert.deepEqual(targets(objs, 'vista3d-frontend'), ['backend:8000', 'dns:53', 'image-server:8888', 'postgresql:5432']);
    assert.deepEqual(targets(objs, 'vista3d-backend'), ['dns:53', 'image-server:8888', 'public:443'], 'the NIM downloads its model from NGC');
    assert.deepEqual(targets(objs, 'vista3d-worker'), ['backend:8000', 'dns:53', 'image-server:8888', 'postgresql:5432']);
    assert.deepEqual(targets(objs, 'vista3d-image-server'), ['dns:53']);
    assert.deepEqual(targets(objs, 'vista3d-migrations'), ['dns:53', 'postgresql:5432']);
    assert.deepEqual(egress(objs, 'vista3d-postgresql'), []);
    assert.deepEqual((find(objs, 'NetworkPolicy', 'vista3d-migrations').spec as { ingress: unknown[] }).ingress, []);
    // "Public" never includes private, loopback or link-local (cloud metadata) addresses.
    const pub = egress(objs, 'vista3d-backend').find((r) => r.to?.[0]?.ipBlock)!.to![0]!.ipBlock!;
    for (const range of ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.0/8', '169.254.0.0/16']) assert.ok(pub.except?.includes(range), range);

    const oidc = ['frontend.auth.mode=oidc', 'frontend.auth.oidc.issuer=https://kc.example.org/realms/h', 'frontend.auth.oidc.clientId=vista3d', 'frontend.auth.oidc.redirectUrl=https://v.example.org/api/auth/oidc/callback'];
    const external = await render({
      set: ['networkPolicy.enabled=true', 'networkPolicy.egress.backendModelDownload=false', 'backend.enabled=false', 'frontend.config.vista3dServer=https://nim.example.org',
        'postgresql.enabled=false', 'database.url=postgresql://u:p@db.example.org:5432/v', 'networkPolicy.egress.externalDatabase.to[0].ipBlock.cidr=10.20.0.0/16',
        'networkPolicy.egress.oidcIssuer.to[0].ipBlock.cidr=203.0.113.10/32', 'networkPolicy.egress.extra.imageServer[0].to[0].ipBlock.cidr=10.30.0.5/32', ...oidc],
    });
    assert.deepEqual(targets(external, 'vista3d-frontend'), ['cidr:10.20.0.0/16:5432', 'cidr:203.0.113.10/32:443', 'dns:53', 'image-server:8888', 'public:443']);
    assert.deepEqual(targets(external, 'vista3d-worker'), ['cidr:10.20.0.0/16:5432', 'dns:53', 'image-server:8888', 'public:443']);
    assert.deepEqual(targets(external, 'vista3d-migrations'), ['cidr:10.20.0.0/16:5432', 'dns:53']);
    assert.deepEqual(targets(external, 'vista3d-image-server'), ['cidr:10.30.0.5/32:0', 'dns:53'], 'extra rules per component (no ports: all)');
    assert.equal(has(external, 'NetworkPolicy', 'vista3d-backend'), false);
    assert.equal(has(external, 'NetworkPolicy', 'vista3d-postgresql'), false);

    const ingressOnly = await render({ set: ['networkPolicy.enabled=true', 'networkPolicy.egress.enabled=false'] });
    for (const o of findAll(ingressOnly, 'NetworkPolicy')) assert.deepEqual((o.spec as { policyTypes: string[] }).policyTypes, ['Ingress'], o.metadata.name);
  });

  it('ServiceMonitor scrapes /metrics on the http port of the release services, with extra labels', async () => {
    const objs = await render({ set: ['monitoring.serviceMonitor.enabled=true', 'monitoring.serviceMonitor.labels.release=prometheus', 'monitoring.serviceMonitor.interval=15s'] });
    const sm = find(objs, 'ServiceMonitor', 'vista3d');
    assert.equal(sm.apiVersion, 'monitoring.coreos.com/v1');
    assert.equal(sm.metadata.labels?.release, 'prometheus');
    const spec = sm.spec as { selector: { matchLabels: Record<string, string> }; endpoints: Array<{ port: string; path: string; interval: string }> };
    assert.deepEqual(spec.endpoints.map((e) => [e.port, e.path, e.interval]), [['http', '/metrics', '15s']]);
    // The selector matches every Service of the release.
    for (const svc of findAll(objs, 'Service')) {
      for (const [k, v] of Object.entries(spec.selector.matchLabels)) assert.equal(svc.metadata.labels?.[k], v);
    }
  });

  it('serviceAccount.create=false uses the given (or default) account and renders none', async () => {
    const objs = await render({ set: ['serviceAccount.create=false', 'serviceAccount.name=shared'] });
    assert.equal(has(objs, 'ServiceAccount'), false);
    for (const dep of findAll(objs, 'Deployment')) assert.equal(podSpec(dep).serviceAccountName, 'shared');
    const dflt = await render({ set: ['serviceAccount.create=false'] });
    for (const dep of findAll(dflt, 'Deployment')) assert.equal(podSpec(dep).serviceAccountName, 'default');
  });

  it('secrets: create with keys, existingSecret, or none', async () => {
    const created = await render({ set: ['secrets.ngcApiKey=nvapi-123', 'secrets.apiKey=tok'] });
    const secret = find(created, 'Secret', 'vista3d-secrets');
    const { 'metrics-token': generated, 'admin-password': _admin, ...given } = secret.data as Record<string, string>;
    assert.deepEqual(given, { 'ngc-api-key': Buffer.from('nvapi-123').toString('base64'), 'api-key': Buffer.from('tok').toString('base64') });
    assert.ok(generated);
    const fe = envOf(container(find(created, 'Deployment', 'vista3d-frontend')));
    assert.equal(fe.get('VISTA3D_API_KEY')?.valueFrom?.secretKeyRef?.key, 'api-key');
    assert.equal(fe.has('NGC_API_KEY'), false, 'the NGC key goes only to the NIM');
    // Every service requires the metrics token; the ServiceMonitor presents it.
    for (const name of ['vista3d-frontend', 'vista3d-backend', 'vista3d-image-server', 'vista3d-worker']) {
      assert.deepEqual(envOf(container(find(created, 'Deployment', name))).get('METRICS_TOKEN')?.valueFrom?.secretKeyRef, { name: 'vista3d-secrets', key: 'metrics-token', optional: true }, name);
    }
    const fixed = await render({ set: ['secrets.metricsToken=scrape', 'monitoring.serviceMonitor.enabled=true'] });
    assert.equal((find(fixed, 'Secret', 'vista3d-secrets').data as Record<string, string>)['metrics-token'], Buffer.from('scrape').toString('base64'));
    const sm = find(fixed, 'ServiceMonitor', 'vista3d') as unknown as { spec: { endpoints: Array<{ authorization?: unknown }> } };
    assert.deepEqual(sm.spec.endpoints[0].authorization, { type: 'Bearer', credentials: { name: 'vista3d-secrets', key: 'metrics-token' } });

    const existing = await render({ set: ['secrets.existingSecret=my-ngc'] });
    assert.equal(existing.some((o) => o.kind === 'Secret' && o.metadata.name === 'vista3d-secrets'), false);
    const env = envOf(container(find(existing, 'Deployment', 'vista3d-backend')));
    assert.equal(env.get('NGC_API_KEY')?.valueFrom?.secretKeyRef?.name, 'my-ngc');

    const none = await render({ set: ['secrets.create=false'] });
    assert.equal(none.some((o) => o.kind === 'Secret' && o.metadata.name === 'vista3d-secrets'), false);
    assert.equal(envOf(container(find(none, 'Deployment', 'vista3d-backend'))).has('NGC_API_KEY'), false);
  });

  it('auth: local by default with the first admin password from the Secret; OIDC values; off refused', async () => {
    const local = await render();
    const fe = envOf(container(find(local, 'Deployment', 'vista3d-frontend')));
    assert.equal(fe.get('AUTH_MODE')?.value, 'local');
    assert.deepEqual(fe.get('ADMIN_PASSWORD')?.valueFrom?.secretKeyRef, { name: 'vista3d-secrets', key: 'admin-password', optional: true });
    const generated = (find(local, 'Secret', 'vista3d-secrets').data as Record<string, string>)['admin-password'];
    assert.ok(Buffer.from(generated!, 'base64').toString().length >= 24, 'generated once when empty');
    const given = await render({ set: ['secrets.adminPassword=hospital-admin-pw'] });
    assert.equal((find(given, 'Secret', 'vista3d-secrets').data as Record<string, string>)['admin-password'], Buffer.from('hospital-admin-pw').toString('base64'));

    const oidc = await render({ set: [
      'frontend.auth.mode=oidc', 'frontend.auth.oidc.issuer=https://keycloak.example.org/realms/rad', 'frontend.auth.oidc.clientId=vista3d',
      'frontend.auth.oidc.redirectUrl=https://vista3d.example.org/api/auth/oidc/callback', 'frontend.auth.oidc.rolesClaim=resource_access.vista3d.roles',
      'frontend.auth.oidc.roleMap=radiologist=annotator', 'secrets.oidcClientSecret=s3cret', 'frontend.auth.trustProxy=10.0.0.0/8',
    ] });
    const env = envOf(container(find(oidc, 'Deployment', 'vista3d-frontend')));
    assert.equal(env.get('AUTH_MODE')?.value, 'oidc');
    assert.equal(env.get('OIDC_ISSUER')?.value, 'https://keycloak.example.org/realms/rad');
    assert.equal(env.get('OIDC_CLIENT_ID')?.value, 'vista3d');
    assert.equal(env.get('OIDC_REDIRECT_URL')?.value, 'https://vista3d.example.org/api/auth/oidc/callback');
    assert.equal(env.get('OIDC_ROLES_CLAIM')?.value, 'resource_access.vista3d.roles');
    assert.equal(env.get('OIDC_ROLE_MAP')?.value, 'radiologist=annotator');
    assert.equal(env.get('TRUST_PROXY')?.value, '10.0.0.0/8');
    assert.deepEqual(env.get('OIDC_CLIENT_SECRET')?.valueFrom?.secretKeyRef, { name: 'vista3d-secrets', key: 'oidc-client-secret', optional: true });
    assert.equal((find(oidc, 'Secret', 'vista3d-secrets').data as Record<string, string>)['oidc-client-secret'], Buffer.from('s3cret').toString('base64'));

    const incomplete = await renderFailure({ set: ['frontend.auth.mode=oidc'] });
    assert.match(incomplete.stderr, /needs frontend.auth.oidc.issuer, clientId and redirectUrl/);
    const off = await renderFailure({ set: ['frontend.auth.mode=off'] });
    assert.match(off.stderr, /frontend.auth.mode=off is refused/);
    const badMap = await renderFailure({ set: ['frontend.auth.oidc.roleMap=radiologist=chief'] });
    assert.notEqual(badMap.code, 0, 'the schema refuses a role that is not ours');
  });

  it('backend.enabled=false: no backend objects, frontend points at the external server; required then', async () => {
    const objs = await render({ set: ['backend.enabled=false', 'frontend.config.vista3dServer=https://nim.example.com', 'ingress.enabled=true', 'networkPolicy.enabled=true'] });
    assert.equal(objs.some((o) => o.metadata.name === 'vista3d-backend'), false);
    assert.equal(envOf(container(find(objs, 'Deployment', 'vista3d-frontend'))).get('VISTA3D_SERVER')?.value, 'https://nim.example.com');
    const paths = JSON.stringify(find(objs, 'Ingress', 'vista3d').spec);
    assert.ok(!paths.includes('vista3d-backend'));
    assert.ok(!JSON.stringify(find(objs, 'Pod', 'vista3d-test-connection').spec).includes('vista3d-backend'));

    const res = await renderFailure({ set: ['backend.enabled=false'] });
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /frontend\.config\.vista3dServer is required when backend\.enabled is false/);
  });

  it('our own backend image: repository switch, engine env, read-only root', async () => {
    const objs = await render({ set: ['backend.image.repository=ghcr.io/vista3d/backend', 'backend.image.tag=1.1.0', 'backend.engine=cpu', 'backend.securityContext.readOnlyRootFilesystem=true'] });
    const c = container(find(objs, 'Deployment', 'vista3d-backend'));
    assert.equal(c.image, 'ghcr.io/vista3d/backend:1.1.0');
    assert.equal(envOf(c).get('VISTA3D_ENGINE')?.value, 'cpu');
    assert.equal(c.securityContext?.readOnlyRootFilesystem, true);
  });

  it('persistence: existingClaim renders no PVC and mounts the claim; disabled uses emptyDir; storage classes', async () => {
    const objs = await render({ set: ['persistence.output.existingClaim=shared-out', 'persistence.dicom.existingClaim=pacs-export'] });
    assert.equal(has(objs, 'PersistentVolumeClaim'), false);
    const vols = new Map((podSpec(find(objs, 'Deployment', 'vista3d-frontend')).volumes ?? []).map((v) => [v.name, v]));
    assert.equal(vols.get('output')?.persistentVolumeClaim?.claimName, 'shared-out');
    assert.deepEqual(vols.get('dicom')?.persistentVolumeClaim, { claimName: 'pacs-export', readOnly: true });

    const off = await render({ set: ['persistence.output.enabled=false', 'persistence.dicom.enabled=false'] });
    assert.equal(has(off, 'PersistentVolumeClaim'), false);
    const offVols = new Map((podSpec(find(off, 'Deployment', 'vista3d-image-server')).volumes ?? []).map((v) => [v.name, v]));
    assert.ok(offVols.get('output')?.emptyDir && offVols.get('dicom')?.emptyDir);

    const sc = await render({ set: ['global.storageClass=fast', 'persistence.dicom.storageClass=-'] });
    assert.equal((find(sc, 'PersistentVolumeClaim', 'vista3d-output').spec as { storageClassName: string }).storageClassName, 'fast');
    assert.equal((find(sc, 'PersistentVolumeClaim', 'vista3d-dicom').spec as { storageClassName: string }).storageClassName, '');
  });

  it('backend workspace outputs on the output volume when asked', async () => {
    const objs = await render({ set: ['backend.persistWorkspaceOutputs=true'] });
    const dep = find(objs, 'Deployment', 'vista3d-backend');
    const m = (container(dep).volumeMounts ?? []).find((x) => x.mountPath === '/workspace/outputs');
    assert.equal(m?.name, 'output');
    assert.equal(m?.subPath, '.backend-results');
    assert.ok((podSpec(dep).volumes ?? []).some((v) => v.name === 'output' && v.persistentVolumeClaim?.claimName === 'vista3d-output'));
  });

  it('image server readOnly mounts the output read-only', async () => {
    const objs = await render({ set: ['imageServer.readOnly=true'] });
    const c = container(find(objs, 'Deployment', 'vista3d-image-server'));
    assert.equal(c.volumeMounts?.find((m) => m.name === 'output')?.readOnly, true);
    assert.equal(envOf(c).get('READ_ONLY')?.value, 'true');
  });

  it('anti-affinity presets: hard, soft, none, explicit affinity wins', async () => {
    const hard = await render({ set: ['frontend.podAntiAffinityPreset=hard', 'imageServer.podAntiAffinityPreset='] });
    assert.match(JSON.stringify(podSpec(find(hard, 'Deployment', 'vista3d-frontend')).affinity), /requiredDuringSchedulingIgnoredDuringExecution/);
    assert.equal(podSpec(find(hard, 'Deployment', 'vista3d-image-server')).affinity, undefined);
    const explicit = await render({ set: ['frontend.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key=zone',
      'frontend.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator=Exists'] });
    const aff = podSpec(find(explicit, 'Deployment', 'vista3d-frontend')).affinity!;
    assert.deepEqual(Object.keys(aff), ['nodeAffinity']);
  });

  it('global.imageRegistry mirrors every image; digests win over tags; pull secrets merge', async () => {
    const objs = await render({ set: ['global.imageRegistry=registry.local:5000', 'frontend.image.digest=sha256:' + 'a'.repeat(64),
      'global.imagePullSecrets[0].name=mirror', 'backend.imagePullSecrets[0].name=ngc'] });
    assert.equal(container(find(objs, 'Deployment', 'vista3d-backend')).image, 'registry.local:5000/nim/nvidia/vista3d:1.0.0');
    assert.equal(container(find(objs, 'Deployment', 'vista3d-image-server')).image, 'registry.local:5000/vista3d/image-server:1.1.0');
    assert.equal(container(find(objs, 'Deployment', 'vista3d-frontend')).image, `registry.local:5000/vista3d/frontend@sha256:${'a'.repeat(64)}`);
    assert.deepEqual(podSpec(find(objs, 'Deployment', 'vista3d-backend')).imagePullSecrets, [{ name: 'mirror' }, { name: 'ngc' }]);
    assert.deepEqual(podSpec(find(objs, 'Deployment', 'vista3d-frontend')).imagePullSecrets, [{ name: 'mirror' }]);
  });

  it('another release name prefixes the objects', async () => {
    const objs = await render({ release: 'ct' });
    assert.ok(has(objs, 'Deployment', 'ct-vista3d-backend'));
    assert.ok(has(objs, 'Service', 'ct-vista3d-image-server'));
    assert.equal(envOf(container(find(objs, 'Deployment', 'ct-vista3d-frontend'))).get('VISTA3D_SERVER')?.value, 'http://ct-vista3d-backend:8000');
  });
});

describe('production values', () => {
  let objs: K8sObject[];
  before(async () => { objs = await render({ values: [PROD_VALUES] }); });

  it('pins every image tag (no latest, no empty tag)', () => {
    const prod = parse(readFileSync(PROD_VALUES, 'utf8')) as Record<string, { image?: { tag?: string } }>;
    for (const key of ['backend', 'frontend', 'imageServer', 'tests']) {
      const tag = prod[key]?.image?.tag;
      assert.ok(tag && tag !== 'latest' && /^\d+\.\d+\.\d+/.test(String(tag)), `${key}.image.tag pinned: ${tag}`);
    }
    for (const o of objs) {
      const text = JSON.stringify(o);
      for (const m of text.matchAll(/"image":"([^"]+)"/g)) {
        assert.ok(!/:latest$/.test(m[1]!) && /[:@]/.test(m[1]!.split('/').pop()!), `${o.kind}/${o.metadata.name} image ${m[1]} is pinned`);
      }
    }
  });

  it('turns on ingress with TLS, PDBs, HPAs, NetworkPolicies, ServiceMonitor; scales out', () => {
    for (const kind of ['Ingress', 'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'ServiceMonitor']) assert.ok(has(objs, kind), kind);
    const hpa = find(objs, 'HorizontalPodAutoscaler', 'vista3d-frontend').spec as { minReplicas: number; maxReplicas: number; metrics: Array<{ resource: { name: string; target: { averageUtilization: number } } }> };
    assert.ok(hpa.minReplicas >= 2 && hpa.maxReplicas > hpa.minReplicas);
    assert.deepEqual(hpa.metrics.map((m) => m.resource.name), ['cpu', 'memory']);
    const be = container(find(objs, 'Deployment', 'vista3d-backend'));
    assert.equal(be.resources?.limits?.['nvidia.com/gpu'], 1);
    assert.ok((find(objs, 'Ingress', 'vista3d').spec as { tls?: unknown[] }).tls?.length);
    assert.match(JSON.stringify(podSpec(find(objs, 'Deployment', 'vista3d-frontend')).affinity), /requiredDuringScheduling/);
  });
});

describe('platform state: workers, PostgreSQL, migrations', { concurrency: 4 }, () => {
  it('default: bundled PostgreSQL StatefulSet (PVC, probes, non-root) and every service on its DATABASE_URL', async () => {
    const objs = await render();
    const sts = find(objs, 'StatefulSet', 'vista3d-postgresql');
    const pod = podSpec(sts);
    const c = container(sts);
    assert.equal(pod.securityContext?.runAsNonRoot, true);
    assert.equal(pod.securityContext?.runAsUser, 999);
    assert.equal(c.securityContext?.readOnlyRootFilesystem, true);
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe'] as const) assert.deepEqual((c[probe] as { exec: { command: string[] } }).exec.command.slice(0, 1), ['pg_isready']);
    const claims = (sts.spec as { volumeClaimTemplates: Array<{ metadata: { name: string }; spec: { resources: { requests: { storage: string } } } }> }).volumeClaimTemplates;
    assert.equal(claims[0]!.metadata.name, 'data');
    assert.equal(claims[0]!.spec.resources.requests.storage, '20Gi');
    assert.ok(has(objs, 'Service', 'vista3d-postgresql'));
    const secret = find(objs, 'Secret', 'vista3d-postgresql');
    assert.match(Buffer.from(String((secret.data as Record<string, string>).password), 'base64').toString(), /^[A-Za-z0-9]{32}$/);
    for (const name of ['vista3d-frontend', 'vista3d-worker']) {
      const env = envOf(container(find(objs, 'Deployment', name)));
      assert.equal(env.get('POSTGRES_PASSWORD')?.valueFrom?.secretKeyRef?.name, 'vista3d-postgresql');
      assert.equal(env.get('DATABASE_URL')?.value, 'postgresql://vista3d:$(POSTGRES_PASSWORD)@vista3d-postgresql:5432/vista3d');
    }
  });

  it('worker Deployment: 2 replicas, its health probes, backends, grace period, no GPU, and an HPA when asked', async () => {
    const objs = await render({ set: ['worker.config.backends[0]=http://nim-a:8000', 'worker.config.backends[1]=http://nim-b:8000', 'worker.config.jobTypes[0]=segment'] });
    const dep = find(objs, 'Deployment', 'vista3d-worker');
    assert.equal((dep.spec as { replicas: number }).replicas, 2);
    const c = container(dep);
    assert.equal(c.ports?.[0]?.containerPort, 8601);
    assert.equal((c.livenessProbe as { httpGet: { path: string } }).httpGet.path, '/health');
    const env = envOf(c);
    assert.equal(env.get('VISTA3D_SERVERS')?.value, 'http://nim-a:8000,http://nim-b:8000');
    assert.equal(env.get('WORKER_JOB_TYPES')?.value, 'segment');
    assert.equal(env.get('WORKER_ID')?.valueFrom?.fieldRef?.fieldPath, 'metadata.name');
    assert.equal(podSpec(dep).terminationGracePeriodSeconds, 40);
    assert.ok(!JSON.stringify(c.resources).includes('nvidia.com/gpu'));
    const dflt = envOf(container(find(await render(), 'Deployment', 'vista3d-worker')));
    assert.equal(dflt.get('VISTA3D_SERVERS')?.value, 'http://vista3d-backend:8000');
    // The meshing/conversion child stops at its own limit, below the pod's 8Gi, so one runaway job fails alone.
    assert.equal(dflt.get('JOB_MEMORY_MB')?.value, '6144');
    const hpa = find(await render({ set: ['autoscaling.worker.enabled=true', 'autoscaling.worker.maxReplicas=20'] }), 'HorizontalPodAutoscaler', 'vista3d-worker');
    assert.equal((hpa.spec as { maxReplicas: number }).maxReplicas, 20);
  });

  it('migrations: a post-install/pre-upgrade hook Job on the worker image with the same DATABASE_URL', async () => {
    const objs = await render();
    const job = find(objs, 'Job', 'vista3d-migrations');
    assert.equal(job.metadata.annotations?.['helm.sh/hook'], 'post-install,pre-upgrade');
    const c = container(job);
    assert.deepEqual(c.command, ['node', 'migrate.mjs']);
    assert.match(String(c.image), /vista3d\/worker:/);
    assert.ok(envOf(c).has('DATABASE_URL'));
    assert.equal(has(await render({ set: ['database.migrations.enabled=false'] }), 'Job'), false);
  });

  it('external database: no StatefulSet; the URL from a chart Secret or an existing one', async () => {
    const byUrl = await render({ set: ['database.url=postgresql://u:p@db.example.com:5432/vista3d'] });
    assert.equal(has(byUrl, 'StatefulSet'), false);
    const secret = find(byUrl, 'Secret', 'vista3d-database');
    assert.equal(Buffer.from(String((secret.data as Record<string, string>)['database-url']), 'base64').toString(), 'postgresql://u:p@db.example.com:5432/vista3d');
    assert.deepEqual(envOf(container(find(byUrl, 'Deployment', 'vista3d-frontend'))).get('DATABASE_URL')?.valueFrom?.secretKeyRef, { name: 'vista3d-database', key: 'database-url' });
    const existing = await render({ set: ['database.existingSecret=pg-url', 'database.existingSecretKey=url'] });
    assert.equal(has(existing, 'StatefulSet'), false);
    assert.deepEqual(envOf(container(find(existing, 'Deployment', 'vista3d-worker'))).get('DATABASE_URL')?.valueFrom?.secretKeyRef, { name: 'pg-url', key: 'url' });
    const failure = await renderFailure({ set: ['postgresql.enabled=false'] });
    assert.notEqual(failure.code, 0);
    assert.match(failure.stderr, /a database is required/);
  });

  it('network policies let the workers reach the backend and image server, and only our pods reach PostgreSQL', async () => {
    const objs = await render({ set: ['networkPolicy.enabled=true'] });
    const peers = (name: string): string[] =>
      ((find(objs, 'NetworkPolicy', name).spec as { ingress: Array<{ from: Array<{ podSelector?: { matchLabels?: Record<string, string> } }> }> }).ingress[0]!.from)
        .map((f) => f.podSelector?.matchLabels?.['app.kubernetes.io/component'])
        .filter((x): x is string => Boolean(x));
    assert.ok(peers('vista3d-backend').includes('worker'));
    assert.ok(peers('vista3d-image-server').includes('worker'));
    assert.deepEqual(peers('vista3d-postgresql').sort(), ['frontend', 'migrations', 'worker']);
  });
});
