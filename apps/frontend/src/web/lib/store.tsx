// App-wide state: the label dictionary, live jobs (REST snapshot + SSE `job` events) and toasts.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { api, errorMessage } from './api.js';
import type { Job, LabelDef, LabelsResponse } from './types.js';

export type ToastKind = 'info' | 'success' | 'error';
export interface Toast {
  id: number;
  kind: ToastKind;
  text: string;
}

export type StreamState = 'connecting' | 'live' | 'reconnecting';

interface AppState {
  labels: LabelsResponse | null;
  labelsError: string | null;
  labelById: Map<number, LabelDef>;
  jobs: Job[];
  jobsError: string | null;
  stream: StreamState;
  upsertJob: (job: Job) => void;
  refreshJobs: () => Promise<void>;
  /** Increments whenever a job finishes: pages reload their data on change. */
  dataVersion: number;
  toasts: Toast[];
  toast: (kind: ToastKind, text: string) => void;
  dismissToast: (id: number) => void;
}

const Ctx = createContext<AppState | null>(null);

export function useApp(): AppState {
  const v = useContext(Ctx);
  if (!v) throw new Error('useApp outside <AppProvider>');
  return v;
}

const FINAL = new Set(['succeeded', 'failed', 'cancelled']);

export function AppProvider({ children }: { children: ReactNode }) {
  const [labels, setLabels] = useState<LabelsResponse | null>(null);
  const [labelsError, setLabelsError] = useState<string | null>(null);
  const [jobMap, setJobMap] = useState<Map<string, Job>>(new Map());
  const [jobsError, setJobsError] = useState<string | null>(null);
  const [stream, setStream] = useState<StreamState>('connecting');
  const [dataVersion, setDataVersion] = useState(0);
  const [toasts, setToasts] = useState<Toast[]>([]);
  const toastId = useRef(0);
  const seenFinal = useRef(new Set<string>());

  const toast = useCallback((kind: ToastKind, text: string) => {
    const id = ++toastId.current;
    setToasts((t) => [...t.slice(-4), { id, kind, text }]);
    window.setTimeout(() => setToasts((t) => t.filter((x) => x.id !== id)), kind === 'error' ? 12000 : 5000);
  }, []);
  const dismissToast = useCallback((id: number) => setToasts((t) => t.filter((x) => x.id !== id)), []);

  const upsertJob = useCallback((job: Job) => {
    setJobMap((m) => {
      const prev = m.get(job.id);
      // ignore stale events (SSE after a REST snapshot): final states win
      if (prev && FINAL.has(prev.status) && !FINAL.has(job.status)) return m;
      const next = new Map(m);
      next.set(job.id, job);
      return next;
    });
    if (FINAL.has(job.status) && !seenFinal.current.has(job.id)) {
      seenFinal.current.add(job.id);
      setDataVersion((v) => v + 1);
    }
  }, []);

  const refreshJobs = useCallback(async () => {
    try {
      const list = await api.jobs();
      for (const j of list) if (FINAL.has(j.status)) seenFinal.current.add(j.id);
      setJobMap(new Map(list.map((j) => [j.id, j])));
      setJobsError(null);
    } catch (err) {
      setJobsError(errorMessage(err));
    }
  }, []);

  useEffect(() => {
    api.labels().then(setLabels, (err) => setLabelsError(`Could not load the label dictionary: ${errorMessage(err)}`));
  }, []);

  useEffect(() => {
    let es: EventSource | null = null;
    let closed = false;
    let retry: number | undefined;
    const connect = () => {
      es = new EventSource('/api/events');
      es.addEventListener('open', () => {
        setStream('live');
        void refreshJobs(); // catch up on anything missed while disconnected
      });
      es.addEventListener('job', (e) => {
        try {
          upsertJob(JSON.parse((e as MessageEvent<string>).data) as Job);
        } catch {
          /* malformed event: ignore */
        }
      });
      es.addEventListener('error', () => {
        if (closed) return;
        setStream('reconnecting');
        if (es && es.readyState === EventSource.CLOSED) {
          es.close();
          retry = window.setTimeout(connect, 3000);
        }
      });
    };
    void refreshJobs();
    connect();
    return () => {
      closed = true;
      window.clearTimeout(retry);
      es?.close();
    };
  }, [refreshJobs, upsertJob]);

  const jobs = useMemo(() => [...jobMap.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt)), [jobMap]);
  const labelById = useMemo(() => new Map((labels?.labels ?? []).map((l) => [l.id, l])), [labels]);

  const value: AppState = {
    labels, labelsError, labelById, jobs, jobsError, stream, upsertJob, refreshJobs, dataVersion, toasts, toast, dismissToast,
  };
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}
