import type { EngineConfig, SegmentationEngine } from './engine.js';
import { CpuEngine } from './cpu/engine.js';

/** The engine for a config, ready to serve (ONNX models are loaded before this resolves). */
export async function createEngine(config: EngineConfig): Promise<SegmentationEngine> {
  let engine: SegmentationEngine;
  if (config.kind === 'cpu') engine = new CpuEngine();
  else {
    const { OnnxEngine } = await import('./onnx/engine.js');
    engine = new OnnxEngine(config);
  }
  await engine.ready();
  return engine;
}
