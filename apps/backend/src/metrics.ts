import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface BackendMetrics {
  requests: Counter<'outcome'>;
  latency: Histogram<'outcome'>;
  voxels: Counter;
  engineErrors: Counter;
  queueDepth: Gauge<'state'>;
}

export function createBackendMetrics(registry: Registry): BackendMetrics {
  const p = 'vista3d_backend';
  return {
    requests: new Counter({
      name: `${p}_inference_requests_total`,
      help: 'Inference requests by outcome (ok, client_error, server_error, queue_full, aborted)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    latency: new Histogram({
      name: `${p}_inference_duration_seconds`,
      help: 'Inference request latency (image load + queue wait + segmentation + encoding)',
      labelNames: ['outcome'] as const,
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
      registers: [registry],
    }),
    voxels: new Counter({ name: `${p}_voxels_processed_total`, help: 'CT voxels segmented', registers: [registry] }),
    engineErrors: new Counter({ name: `${p}_engine_errors_total`, help: 'Segmentation engine failures (not client errors)', registers: [registry] }),
    queueDepth: new Gauge({
      name: `${p}_queue_depth`,
      help: 'Inference jobs running and waiting',
      labelNames: ['state'] as const,
      registers: [registry],
    }),
  };
}
