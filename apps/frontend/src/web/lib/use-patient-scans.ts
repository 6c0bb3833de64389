import { useEffect, useState } from 'react';
import { api, errorMessage } from './api.js';
import { useApp } from './store.js';
import type { PatientSummary, ScanInfo } from './types.js';

export interface PatientScans {
  patients: PatientSummary[] | null;
  /** Scans of `patient`; null while loading or when no patient is picked. */
  scans: ScanInfo[] | null;
  error: string | null;
}

/** The patient list and one patient's scans, reloaded whenever the data change (uploads, finished jobs). */
export function usePatientScans(patient: string | undefined): PatientScans {
  const { dataVersion } = useApp();
  const [patients, setPatients] = useState<PatientSummary[] | null>(null);
  const [scans, setScans] = useState<ScanInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => { api.patients().then(setPatients, (e) => setError(errorMessage(e))); }, [dataVersion]);
  useEffect(() => {
    setScans(null);
    if (patient) api.scans(patient).then(setScans, (e) => setError(errorMessage(e)));
  }, [patient, dataVersion]);
  return { patients, scans, error };
}
