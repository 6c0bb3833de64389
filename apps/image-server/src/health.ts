import { access, constants, stat } from 'node:fs/promises';

export interface RootHealth {
  path: string;
  readable: boolean;
  writable?: boolean;
}

export interface Health {
  status: 'ok' | 'degraded';
  version: string;
  readOnly: boolean;
  roots: { output: Required<RootHealth>; dicom: RootHealth };
}

async function can(path: string, mode: number): Promise<boolean> {
  try {
    if (!(await stat(path)).isDirectory()) return false;
    await access(path, mode);
    return true;
  } catch {
    return false;
  }
}

/**
 * Degraded (still HTTP 200, so a liveness probe does not restart a pod over a missing volume) when
 * a root cannot be read, or the output root cannot be written while uploads are enabled.
 */
export async function checkHealth(outputFolder: string, dicomFolder: string, version: string, readOnly: boolean): Promise<Health> {
  const [outR, outW, dicR] = await Promise.all([
    can(outputFolder, constants.R_OK | constants.X_OK),
    can(outputFolder, constants.W_OK | constants.X_OK),
    can(dicomFolder, constants.R_OK | constants.X_OK),
  ]);
  const ok = outR && dicR && (readOnly || outW);
  return {
    status: ok ? 'ok' : 'degraded',
    version,
    readOnly,
    roots: {
      output: { path: outputFolder, readable: outR, writable: outW },
      dicom: { path: dicomFolder, readable: dicR },
    },
  };
}
