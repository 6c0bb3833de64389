#!/usr/bin/env node
// Writes helm/vista3d/values.schema.json (JSON Schema draft-07, as Helm validates values with it).
// The schema is written by hand below, in JS for brevity; run after editing:
//   node helm/scripts/gen-schema.mjs
// A test (helm/test/schema.test.ts) fails when the checked-in file differs from this output.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const str = { type: 'string' };
const bool = { type: 'boolean' };
const obj = { type: 'object' };
const arr = { type: 'array' };
const strMap = { type: 'object', additionalProperties: { type: 'string' } };
const posInt = { type: 'integer', minimum: 1 };
const port = { type: 'integer', minimum: 1, maximum: 65535 };
const percent = { type: 'integer', minimum: 0, maximum: 100 };
const quantity = { type: ['string', 'integer', 'number'], pattern: '^[0-9]+(\\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti|P|Pi|E|Ei)?$' };
const intOrPercent = { type: ['integer', 'string'], minimum: 0, pattern: '^[0-9]+%?$' };
const closed = (properties, required = Object.keys(properties)) => ({ type: 'object', additionalProperties: false, required, properties });

export function buildSchema() {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'vista3d chart values',
    type: 'object',
    additionalProperties: false,
    definitions: {
      image: closed({
        repository: { type: 'string', minLength: 1, pattern: '^[a-z0-9]([a-z0-9._\\-/:]*[a-z0-9])?$' },
        tag: { type: ['string', 'number'] },
        digest: { type: 'string', pattern: '^(|sha256:[a-f0-9]{64})$' },
        pullPolicy: { type: 'string', enum: ['Always', 'IfNotPresent', 'Never'] },
      }, ['repository', 'pullPolicy']),
      pullSecrets: { type: 'array', items: { anyOf: [{ type: 'string', minLength: 1 }, { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 } } }] } },
      service: closed({
        type: { type: 'string', enum: ['ClusterIP', 'NodePort', 'LoadBalancer'] },
        port,
        annotations: strMap,
      }, ['type', 'port']),
      resources: {
        type: 'object', additionalProperties: false,
        properties: { limits: { type: 'object', additionalProperties: quantity }, requests: { type: 'object', additionalProperties: quantity } },
      },
      probe: {
        type: 'object',
        properties: {
          httpGet: { type: 'object', required: ['path', 'port'], properties: { path: { type: 'string', pattern: '^/' }, port: { type: ['string', 'integer'] } } },
          initialDelaySeconds: { type: 'integer', minimum: 0 },
          periodSeconds: posInt,
          timeoutSeconds: posInt,
          failureThreshold: posInt,
          successThreshold: posInt,
        },
      },
      env: { type: 'array', items: { type: 'object', required: ['name'], properties: { name: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_.-]*$' }, value: str, valueFrom: obj } } },
      antiAffinityPreset: { type: 'string', enum: ['', 'soft', 'hard'] },
      absPath: { type: 'string', pattern: '^/' },
      persistence: closed({
        enabled: bool,
        existingClaim: str,
        storageClass: str,
        accessModes: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', enum: ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'] } },
        size: quantity,
        mountPath: { $ref: '#/definitions/absPath' },
        annotations: strMap,
      }, ['enabled', 'accessModes', 'size', 'mountPath']),
      hpa: closed({
        enabled: bool,
        minReplicas: posInt,
        maxReplicas: posInt,
        targetCPUUtilizationPercentage: percent,
        targetMemoryUtilizationPercentage: percent,
      }, ['enabled', 'minReplicas', 'maxReplicas']),
      peerSelector: { type: 'object', additionalProperties: false, properties: { namespaceSelector: obj, podSelector: obj } },
    },
    required: ['backend', 'frontend', 'imageServer', 'persistence', 'ingress', 'secrets', 'serviceAccount'],
    properties: {
      global: closed({
        imageRegistry: str,
        imagePullSecrets: { $ref: '#/definitions/pullSecrets' },
        storageClass: str,
      }, []),
      nameOverride: str,
      fullnameOverride: str,
      commonLabels: strMap,
      serviceAccount: closed({ create: bool, name: str, annotations: strMap, automount: bool }, ['create']),
      secrets: closed({ create: bool, ngcApiKey: str, apiKey: str, metricsToken: str, adminPassword: str, oidcClientSecret: str, existingSecret: str }, ['create']),
      backend: closed({
        enabled: bool,
        replicaCount: { type: 'integer', minimum: 0 },
        image: { $ref: '#/definitions/image' },
        imagePullSecrets: { $ref: '#/definitions/pullSecrets' },
        strategy: { type: 'object', properties: { type: { type: 'string', enum: ['Recreate', 'RollingUpdate'] } } },
        service: { $ref: '#/definitions/service' },
        engine: { type: 'string', enum: ['', 'cpu', 'onnx'] },
        modelPath: str,
        workspaceOutputsPath: { $ref: '#/definitions/absPath' },
        persistWorkspaceOutputs: bool,
        extraEnv: { $ref: '#/definitions/env' },
        cache: closed({ mountPath: { $ref: '#/definitions/absPath' }, existingClaim: str, sizeLimit: quantity }, ['mountPath']),
        shmSize: quantity,
        resources: { $ref: '#/definitions/resources' },
        nodeSelector: strMap,
        tolerations: arr,
        affinity: obj,
        podAnnotations: strMap,
        podLabels: strMap,
        securityContext: obj,
        startupProbe: { $ref: '#/definitions/probe' },
        livenessProbe: { $ref: '#/definitions/probe' },
        readinessProbe: { $ref: '#/definitions/probe' },
      }, ['enabled', 'replicaCount', 'image', 'service', 'resources']),
      frontend: closed({
        replicaCount: { type: 'integer', minimum: 0 },
        image: { $ref: '#/definitions/image' },
        imagePullSecrets: { $ref: '#/definitions/pullSecrets' },
        service: { $ref: '#/definitions/service' },
        config: closed({
          vista3dServer: { type: 'string', pattern: '^(|https?://.+)$' },
          imageServer: { type: 'string', pattern: '^(|https?://.+)$' },
          jobConcurrency: { type: 'integer', minimum: 1, maximum: 64 },
          maxUploadBytes: posInt,
          inferenceTimeoutMs: posInt,
        }, []),
        auth: closed({
          // `off` is listed so the template can refuse it with its reason (a cluster is never loopback-only).
          mode: { type: 'string', enum: ['local', 'oidc', 'off'] },
          adminUsername: { type: 'string', pattern: '^[\\w.@-]{1,64}$' },
          sessionIdleMinutes: { type: 'number', exclusiveMinimum: 0 },
          sessionMaxHours: { type: 'number', exclusiveMinimum: 0 },
          cookieSecure: { type: 'string', enum: ['auto', 'always', 'never'] },
          trustProxy: str,
          oidc: closed({
            issuer: { type: 'string', pattern: '^(|https?://.+)$' },
            clientId: str,
            redirectUrl: { type: 'string', pattern: '^(|https?://.+)$' },
            scopes: str,
            rolesClaim: { type: 'string', minLength: 1 },
            roleMap: { type: 'string', pattern: '^(|[^=,]+=(viewer|annotator|admin)(,[^=,]+=(viewer|annotator|admin))*)$' },
            postLogoutRedirectUrl: { type: 'string', pattern: '^(|https?://.+)$' },
          }, []),
        }, ['mode']),
        extraEnv: { $ref: '#/definitions/env' },
        resources: { $ref: '#/definitions/resources' },
        podAntiAffinityPreset: { $ref: '#/definitions/antiAffinityPreset' },
        affinity: obj,
        nodeSelector: strMap,
        tolerations: arr,
        podAnnotations: strMap,
        podLabels: strMap,
        securityContext: obj,
        livenessProbe: { $ref: '#/definitions/probe' },
        readinessProbe: { $ref: '#/definitions/probe' },
      }, ['replicaCount', 'image', 'service', 'resources']),
      worker: closed({
        replicaCount: { type: 'integer', minimum: 0 },
        image: { $ref: '#/definitions/image' },
        imagePullSecrets: { $ref: '#/definitions/pullSecrets' },
        config: closed({
          concurrency: { type: 'integer', minimum: 1, maximum: 64 },
          jobTypes: { type: 'array', uniqueItems: true, items: { type: 'string', enum: ['convert', 'segment', 'mesh'] } },
          backends: { type: 'array', items: { type: 'string', pattern: '^https?://.+' } },
          backendMaxInFlight: { type: 'integer', minimum: 1, maximum: 64 },
          heartbeatMs: { type: 'integer', minimum: 100 },
          staleMs: { type: 'integer', minimum: 500 },
          jobMemoryMb: { type: 'integer', minimum: 256 },
        }, []),
        terminationGracePeriodSeconds: { type: 'integer', minimum: 0 },
        extraEnv: { $ref: '#/definitions/env' },
        resources: { $ref: '#/definitions/resources' },
        podAntiAffinityPreset: { $ref: '#/definitions/antiAffinityPreset' },
        affinity: obj,
        nodeSelector: strMap,
        tolerations: arr,
        podAnnotations: strMap,
        podLabels: strMap,
        securityContext: obj,
        livenessProbe: { $ref: '#/definitions/probe' },
        readinessProbe: { $ref: '#/definitions/probe' },
      }, ['replicaCount', 'image', 'resources']),
      database: closed({
        url: { type: 'string', pattern: '^(|postgres(ql)?://.+)$' },
        existingSecret: str,
        existingSecretKey: { type: 'string', minLength: 1 },
        migrations: closed({ enabled: bool, ttlSecondsAfterFinished: { type: 'integer', minimum: 0 } }, ['enabled']),
      }, []),
      postgresql: closed({
        enabled: bool,
        image: { $ref: '#/definitions/image' },
        username: { type: 'string', pattern: '^[a-z_][a-z0-9_]*$' },
        database: { type: 'string', pattern: '^[a-z_][a-z0-9_]*$' },
        password: { type: 'string', pattern: '^[A-Za-z0-9]*$' },
        existingSecret: str,
        service: closed({ port }, ['port']),
        persistence: closed({ size: quantity, storageClass: str }, ['size']),
        resources: { $ref: '#/definitions/resources' },
        podSecurityContext: obj,
        nodeSelector: strMap,
        tolerations: arr,
      }, ['enabled']),
      imageServer: closed({
        replicaCount: { type: 'integer', minimum: 0 },
        image: { $ref: '#/definitions/image' },
        imagePullSecrets: { $ref: '#/definitions/pullSecrets' },
        service: { $ref: '#/definitions/service' },
        readOnly: bool,
        corsOrigins: { type: 'array', items: { type: 'string', minLength: 1 } },
        extraEnv: { $ref: '#/definitions/env' },
        resources: { $ref: '#/definitions/resources' },
        podAntiAffinityPreset: { $ref: '#/definitions/antiAffinityPreset' },
        affinity: obj,
        nodeSelector: strMap,
        tolerations: arr,
        podAnnotations: strMap,
        podLabels: strMap,
        securityContext: obj,
        livenessProbe: { $ref: '#/definitions/probe' },
        readinessProbe: { $ref: '#/definitions/probe' },
      }, ['replicaCount', 'image', 'service', 'resources']),
      ingress: closed({
        enabled: bool,
        className: str,
        annotations: strMap,
        hosts: {
          type: 'array',
          items: closed({
            host: str,
            paths: {
              type: 'array', minItems: 1,
              items: closed({
                path: { type: 'string', pattern: '^/' },
                pathType: { type: 'string', enum: ['Prefix', 'Exact', 'ImplementationSpecific'] },
                service: { type: 'string', enum: ['frontend', 'backend', 'image-server'] },
              }, ['path', 'service']),
            },
          }, ['paths']),
        },
        tls: { type: 'array', items: closed({ secretName: { type: 'string', minLength: 1 }, hosts: { type: 'array', items: str } }, ['secretName']) },
      }, ['enabled']),
      persistence: closed({ output: { $ref: '#/definitions/persistence' }, dicom: { $ref: '#/definitions/persistence' } }),
      podDisruptionBudget: closed({
        enabled: bool,
        frontend: closed({ minAvailable: intOrPercent }),
        imageServer: closed({ minAvailable: intOrPercent }),
      }, ['enabled']),
      autoscaling: closed({ frontend: { $ref: '#/definitions/hpa' }, worker: { $ref: '#/definitions/hpa' }, imageServer: { $ref: '#/definitions/hpa' } }, []),
      podSecurityContext: obj,
      securityContext: obj,
      networkPolicy: closed({
        enabled: bool,
        ingressController: { $ref: '#/definitions/peerSelector' },
        monitoring: { $ref: '#/definitions/peerSelector' },
        extraFrom: arr,
        egress: closed({
          enabled: bool,
          dns: closed({ to: arr, ports: arr }),
          publicInternet: closed({ cidr: str, except: { type: 'array', items: str } }, ['cidr']),
          oidcIssuer: closed({ to: arr, ports: arr }),
          externalBackend: closed({ to: arr, ports: arr }),
          externalDatabase: closed({ to: arr, ports: arr }),
          backendModelDownload: bool,
          extra: closed({ frontend: arr, backend: arr, worker: arr, imageServer: arr, postgresql: arr, migrations: arr }, []),
        }, ['enabled']),
      }, ['enabled']),
      monitoring: closed({
        serviceMonitor: closed({
          enabled: bool,
          namespace: str,
          interval: { type: 'string', pattern: '^([0-9]+(ms|s|m|h))+$' },
          scrapeTimeout: { type: 'string', pattern: '^([0-9]+(ms|s|m|h))+$' },
          labels: strMap,
        }, ['enabled']),
      }, []),
      tests: closed({ image: { $ref: '#/definitions/image' } }, []),
    },
  };
}

export const SCHEMA_PATH = fileURLToPath(new URL('../vista3d/values.schema.json', import.meta.url));
export const schemaText = () => `${JSON.stringify(buildSchema(), null, 2)}\n`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(SCHEMA_PATH, schemaText());
  console.log(`gen-schema: wrote ${SCHEMA_PATH}`);
}
