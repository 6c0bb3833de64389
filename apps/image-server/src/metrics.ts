import { Counter, type Registry } from 'prom-client';

export interface FileMetrics {
  bytesServed: Counter<'root'>;
  bytesUploaded: Counter<'root'>;
}

/** Throughput counters on the service registry (request counts/latency come from service-kit). */
export function registerFileMetrics(registry: Registry): FileMetrics {
  return {
    bytesServed: new Counter({
      name: 'image_server_bytes_served_total',
      help: 'Response body bytes streamed from files (after gzip when used), by root',
      labelNames: ['root'] as const,
      registers: [registry],
    }),
    bytesUploaded: new Counter({
      name: 'image_server_bytes_uploaded_total',
      help: 'Bytes written by successful uploads, by root',
      labelNames: ['root'] as const,
      registers: [registry],
    }),
  };
}
