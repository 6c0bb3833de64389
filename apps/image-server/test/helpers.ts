import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../src/server.js';
import type { ImageServerConfig } from '../src/config.js';

export const DATA = join(import.meta.dirname, '../../../../shared/data');
export const CT = join(DATA, 'totalseg_example_ct.nii.gz');
export const DICOM_SLICE = join(DATA, 'dicom/tiny_ct_16x16x4/7106');
export const CT_REL = 'p1/nifti/ct.nii.gz';
export const WRITE_TOKEN = 'test-service-write-token';
/** The service credential every write needs. */
export const AUTH: Record<string, string> = { authorization: `Bearer ${WRITE_TOKEN}` };

/** `init` with the service credential added (writes need it). */
export function w(init: RequestInit): RequestInit {
  return { ...init, headers: { ...(init.headers as Record<string, string> | undefined), ...AUTH } };
}

export interface TestServer {
  app: FastifyInstance;
  base: string;
  /** Temp folder holding `output/`, `dicom/` and `outside/` (a sibling that must never be served). */
  tmp: string;
  outputDir: string;
  dicomDir: string;
  outsideDir: string;
  close: () => Promise<void>;
}

/** A real server on 127.0.0.1:0 over temp roots seeded with a real CT volume and a real DICOM slice. */
export async function startServer(overrides: Partial<ImageServerConfig> = {}): Promise<TestServer> {
  const tmp = await mkdtemp(join(tmpdir(), 'image-server-test-'));
  const outputDir = join(tmp, 'output');
  const dicomDir = join(tmp, 'dicom');
  const outsideDir = join(tmp, 'outside');
  await mkdir(join(outputDir, 'p1/nifti'), { recursive: true });
  await mkdir(join(dicomDir, 'p1'), { recursive: true });
  await mkdir(outsideDir, { recursive: true });
  await copyFile(CT, join(outputDir, CT_REL));
  await copyFile(DICOM_SLICE, join(dicomDir, 'p1/slice1.dcm'));
  const app = buildServer({
    port: 0,
    host: '127.0.0.1',
    outputFolder: outputDir,
    dicomFolder: dicomDir,
    corsOrigins: ['*'],
    maxUploadBytes: 10 * 1024 * 1024,
    readOnly: false,
    writeToken: WRITE_TOKEN,
    ...overrides,
  });
  // Request logs would drown the test report; LOG_LEVEL still wins when set explicitly.
  if (process.env.LOG_LEVEL === undefined) app.log.level = 'silent';
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return {
    app,
    base: `http://127.0.0.1:${port}`,
    tmp,
    outputDir,
    dicomDir,
    outsideDir,
    close: async () => {
      await app.close();
      await rm(tmp, { recursive: true, force: true });
    },
  };
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * HTTP through node:http with the path sent byte for byte: fetch/URL would normalise `..` and
 * `%2e%2e` away before they reach the server, which defeats the point of the hostile-path tests.
 */
export function raw(base: string, method: string, path: string, headers: Record<string, string> = {}, body?: Buffer): Promise<RawResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
