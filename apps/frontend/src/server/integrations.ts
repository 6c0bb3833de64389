import type { FrontendConfig } from './config.js';
import { createNimClient } from '@vista3d/nim-client';
import type { NimClient } from '@vista3d/nim-client';
import { toBackendError } from './backend-client.js';
import type { BackendClient, InferencePrompts } from './backend-client.js';
import type { convertDicomFolder } from '@vista3d/dicom';
import { discoverSeries } from '@vista3d/dicom';
import type { exportMeshes } from '@vista3d/mesh';
import { isolatedConvertDicomFolder, isolatedExportMeshes } from './task-child.js';

/** Progress callbacks of the sibling packages: a fraction 0..1 and/or a message, in any order. */
export type ProgressFn = (...args: unknown[]) => void;

/** What the server uses of @vista3d/dicom (statically imported, so the esbuild bundle includes it). */
export interface DicomModule {
  discoverSeries: typeof discoverSeries;
  convertDicomFolder: typeof convertDicomFolder;
}

/** What the server uses of @vista3d/mesh. */
export interface MeshModule {
  exportMeshes: typeof exportMeshes;
}

/** The other packages the server drives; injectable for tests (null = feature not available). */
export interface Integrations {
  backend: BackendClient;
  dicom: DicomModule | null;
  mesh: MeshModule | null;
}

/** Wraps a @vista3d/nim-client client into the BackendClient the server uses. */
export function wrapNimClient(client: NimClient, baseUrl: string): BackendClient {
  const truthy = (v: unknown): boolean => (typeof v === 'object' && v !== null && 'ok' in v ? Boolean((v as { ok: unknown }).ok) : Boolean(v));
  const safe = async (p: () => Promise<unknown>): Promise<boolean> => {
    try {
      return truthy(await p());
    } catch {
      return false;
    }
  };
  return {
    live: () => safe(() => client.live()),
    ready: () => safe(() => client.ready()),
    async info() {
      try {
        return (await client.info()) as Record<string, unknown>;
      } catch (err) {
        throw toBackendError(err, baseUrl);
      }
    },
    async inferFromUrl(url: string, prompts: InferencePrompts, options = {}) {
      try {
        const cls = prompts.classes ?? [];
        const pointed = prompts.points?.length && cls.length === 1 ? cls[0] : undefined;
        return await client.inferFromUrl(
          url,
          {
            ...(cls.length ? { classes: cls } : {}),
            ...(pointed !== undefined
              ? { points: { [pointed]: prompts.points! }, pointLabels: { [pointed]: prompts.pointLabels ?? prompts.points!.map(() => 1 as const) } }
              : {}),
          },
          options,
        );
      } catch (err) {
        if (options.signal?.aborted) throw err;
        throw toBackendError(err, baseUrl);
      }
    },
  };
}

export function loadIntegrations(config: FrontendConfig, overrides: Partial<Integrations> = {}): Integrations {
  let backend = overrides.backend;
  if (!backend) {
    const client = createNimClient({
      baseUrl: config.vista3dServer,
      timeoutMs: config.inferenceTimeoutMs,
      ...(config.apiKey ? { apiKey: config.apiKey } : {}),
    });
    backend = wrapNimClient(client, config.vista3dServer);
  }
  // Conversion and meshing run in a child process each (never on this server's event loop).
  const limits = { heapMb: config.jobMemoryMb, rssMb: config.jobMemoryMb };
  const dicom = overrides.dicom === undefined ? { discoverSeries, convertDicomFolder: isolatedConvertDicomFolder(limits) } : overrides.dicom;
  const mesh = overrides.mesh === undefined ? { exportMeshes: isolatedExportMeshes(limits) } : overrides.mesh;
  return { backend, dicom, mesh };
}

/** First number in 0..1 and first string among progress callback arguments (or inside an object). */
export function readProgress(args: unknown[]): { fraction?: number; message?: string } {
  const out: { fraction?: number; message?: string } = {};
  const [a, b] = args;
  if (typeof a === 'number' && typeof b === 'number' && b > 0) {
    out.fraction = Math.min(1, Math.max(0, a / b));
    args = args.slice(2);
  }
  const visit = (v: unknown): void => {
    if (typeof v === 'number' && out.fraction === undefined && v >= 0 && v <= 1) out.fraction = v;
    else if (typeof v === 'string' && out.message === undefined) out.message = v;
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      for (const k of ['fraction', 'progress', 'message', 'stage']) if (k in o) visit(o[k]);
    }
  };
  args.forEach(visit);
  return out;
}
