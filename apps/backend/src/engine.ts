import type { EngineConfig, SegmentationEngine } from '@vista3d/segmentation';
import type { BackendConfig } from './config.js';

type CreateEngine = (config: EngineConfig) => Promise<SegmentationEngine> | SegmentationEngine;

export function engineConfigFrom(config: BackendConfig): EngineConfig {
  if (config.engine === 'onnx') {
    return {
      kind: 'onnx',
      modelPath: config.modelPath ?? '',
      cardPath: config.modelCardPath,
      executionProviders: config.onnxProviders.length > 0 ? config.onnxProviders : undefined,
    };
  }
  return { kind: 'cpu' };
}

/** Builds the configured engine with @vista3d/segmentation's createEngine. */
export async function loadEngine(config: BackendConfig): Promise<SegmentationEngine> {
  const mod = (await import('@vista3d/segmentation')) as { createEngine?: CreateEngine };
  if (typeof mod.createEngine !== 'function') {
    throw new Error('@vista3d/segmentation does not export createEngine');
  }
  return mod.createEngine(engineConfigFrom(config));
}
