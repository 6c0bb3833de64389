import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../../tests/helpers/free-port.js';

export const ORTHANC_BIN = process.env.ORTHANC_BIN ?? '/usr/sbin/Orthanc';
export const ORTHANC_PLUGINS = process.env.ORTHANC_PLUGINS ?? '/usr/share/orthanc/plugins';

export interface RunningOrthanc {
  httpUrl: string;
  dicomWebUrl: string;
  stop(): Promise<void>;
  log(): string;
}

/**
 * Starts a private Orthanc (own config, storage, index, free loopback ports, DICOMweb plugin) and
 * waits until /dicom-web answers. Fails clearly when the binaries are missing.
 */
export async function startOrthanc(dir: string): Promise<RunningOrthanc> {
  if (!existsSync(ORTHANC_BIN)) throw new Error(`Orthanc not installed (${ORTHANC_BIN}); run scripts/setup.sh (apt-get install orthanc orthanc-dicomweb)`);
  if (!existsSync(join(ORTHANC_PLUGINS, 'libOrthancDicomWeb.so'))) {
    throw new Error(`Orthanc DICOMweb plugin missing in ${ORTHANC_PLUGINS}; apt-get install orthanc-dicomweb`);
  }
  const httpPort = await freePort();
  const dicomPort = await freePort();
  await mkdir(join(dir, 'storage'), { recursive: true });
  const config = {
    Name: 'vista3d-test',
    StorageDirectory: join(dir, 'storage'),
    IndexDirectory: join(dir, 'storage'),
    HttpPort: httpPort,
    DicomPort: dicomPort,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    HttpServerEnabled: true,
    DicomServerEnabled: false,
    Plugins: [ORTHANC_PLUGINS],
    DicomWeb: { Enable: true, Root: '/dicom-web/', EnableWado: false, StudiesMetadata: 'Full', SeriesMetadata: 'Full' },
    StableAge: 1,
    HttpThreadsCount: 8,
  };
  const configPath = join(dir, 'orthanc.json');
  await writeFile(configPath, JSON.stringify(config, null, 2));
  let log = '';
  const child: ChildProcess = spawn(ORTHANC_BIN, [configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  let exited = false;
  child.on('exit', () => (exited = true));
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  const stop = async (): Promise<void> => {
    if (!exited) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(t);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  while (true) {
    if (exited) throw new Error(`Orthanc exited during start:\n${log.slice(-2000)}`);
    try {
      const r = await fetch(`${httpUrl}/dicom-web/studies`);
      if (r.ok || r.status === 204) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Orthanc did not become ready in 30 s:\n${log.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return { httpUrl, dicomWebUrl: `${httpUrl}/dicom-web`, stop, log: () => log };
}
