// Shared helpers of the chart tests: runs the real helm binary (.tools/bin/helm, unpacked by
// scripts/install-tools.mjs) with its cache/config/data pointed at a temp dir, and parses its output.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CHART = join(ROOT, 'helm', 'vista3d');
export const PROD_VALUES = join(CHART, 'values-production.yaml');
export const HELM = join(ROOT, '.tools', 'bin', 'helm');

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

let helmHome: string | undefined;

/** Installs helm when missing and creates the temp HELM_*_HOME; call from a `before` hook. */
export function ensureHelm(): void {
  if (!existsSync(HELM)) {
    const res = spawnSync(process.execPath, [join(ROOT, 'scripts', 'install-tools.mjs')], { cwd: ROOT, encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`install-tools failed: ${res.stderr}`);
  }
  helmHome ??= mkdtempSync(join(tmpdir(), 'vista3d-helm-'));
}

/** Removes the temp helm home; call from an `after` hook. */
export function cleanupHelm(): void {
  if (helmHome) rmSync(helmHome, { recursive: true, force: true });
  helmHome = undefined;
}

function helmEnv(): NodeJS.ProcessEnv {
  if (!helmHome) throw new Error('ensureHelm() first');
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: helmHome,
    HELM_CACHE_HOME: join(helmHome, 'cache'),
    HELM_CONFIG_HOME: join(helmHome, 'config'),
    HELM_DATA_HOME: join(helmHome, 'data'),
    KUBECONFIG: join(helmHome, 'kubeconfig'),
    NO_COLOR: '1',
  };
}

export function helm(args: string[]): Promise<HelmResult> {
  return new Promise((resolve) => {
    execFile(HELM, args, { cwd: ROOT, env: helmEnv(), maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export interface RenderOptions {
  set?: string[];
  setString?: string[];
  values?: string[];
  release?: string;
  namespace?: string;
}

function templateArgs(opts: RenderOptions): string[] {
  const args = ['template', opts.release ?? 'vista3d', CHART, '--namespace', opts.namespace ?? 'vista3d'];
  for (const v of opts.values ?? []) args.push('-f', v);
  for (const s of opts.set ?? []) args.push('--set', s);
  for (const s of opts.setString ?? []) args.push('--set-string', s);
  return args;
}

/** `helm template` that is expected to fail; returns its result. */
export function renderFailure(opts: RenderOptions = {}): Promise<HelmResult> {
  return helm(templateArgs(opts));
}

/** `helm template` → parsed objects (throws with helm's stderr when it fails). */
export async function render(opts: RenderOptions = {}): Promise<K8sObject[]> {
  const res = await helm(templateArgs(opts));
  if (res.code !== 0) throw new Error(`helm template failed (${res.code}):\n${res.stderr}`);
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(res.stdout)) {
    if (doc.errors.length) throw new Error(`invalid YAML from helm: ${doc.errors[0]!.message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    objects.push(value as K8sObject);
  }
  return objects;
}

export function findAll(objects: K8sObject[], kind: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind);
}

export function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`${kind}/${name} not rendered; have: ${objects.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return o;
}

export function has(objects: K8sObject[], kind: string, name?: string): boolean {
  return objects.some((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
}

// Minimal typed views of what the tests read.
export interface EnvVar { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean }; fieldRef?: { fieldPath: string } } }
export interface VolumeMount { name: string; mountPath: string; readOnly?: boolean; subPath?: string }
export interface Probe { httpGet?: { path: string; port: string | number }; initialDelaySeconds?: number; failureThreshold?: number; periodSeconds?: number }
export interface Container {
  name: string;
  image: string;
  command?: string[];
  ports?: Array<{ name?: string; containerPort: number }>;
  env?: EnvVar[];
  volumeMounts?: VolumeMount[];
  resources?: { limits?: Record<string, string | number>; requests?: Record<string, string | number> };
  securityContext?: Record<string, unknown> & { capabilities?: { drop?: string[] }; readOnlyRootFilesystem?: boolean };
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
}
export interface Volume { name: string; persistentVolumeClaim?: { claimName: string; readOnly?: boolean }; emptyDir?: Record<string, unknown> }
export interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  volumes?: Volume[];
  nodeSelector?: Record<string, string>;
  tolerations?: Array<Record<string, string>>;
  affinity?: Record<string, unknown>;
  securityContext?: Record<string, unknown>;
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  imagePullSecrets?: Array<{ name: string }>;
}

export function podSpec(deployment: K8sObject): PodSpec {
  const spec = deployment.spec as { template: { spec: PodSpec } };
  return spec.template.spec;
}

export function container(deployment: K8sObject): Container {
  return podSpec(deployment).containers[0]!;
}

export function envOf(c: Container): Map<string, EnvVar> {
  return new Map((c.env ?? []).map((e) => [e.name, e]));
}
