import { statSync } from 'node:fs';
import { checkOnnxModel, createEngine, loadModelCardSync, modelFiles, type EngineConfig, type SegmentationEngine } from '@vista3d/segmentation';
import type { BackendConfig } from './config.js';
// Static, not dynamic: in the esbuild bundle the worker runs the bundle itself, and this module's
// top-level code (which starts the worker side) must run when the bundle is evaluated.
import { WorkerEngine } from './engine-worker.js';

export function engineConfigFrom(config: BackendConfig): EngineConfig {
  if (config.engine === 'onnx') {
    return {
      kind: 'onnx',
      modelPath: config.modelPath ?? '',
      cardPath: modelCardPathOf(config),
      executionProviders: config.onnxProviders.length > 0 ? config.onnxProviders : undefined,
    };
  }
  return { kind: 'cpu' };
}

/** VISTA3D_MODEL_CARD, or the model path with `.json` instead of `.onnx` (the ONNX engine's default). */
export function modelCardPathOf(config: BackendConfig): string | undefined {
  if (config.engine !== 'onnx') return config.modelCardPath;
  return config.modelCardPath ?? (config.modelPath ? config.modelPath.replace(/\.onnx$/i, '') + '.json' : undefined);
}

/**
 * Start-up check for the ONNX engine: the model file and its card must exist as files. Throws an
 * Error naming the variable and the path, so a misconfigured deployment stops at once instead of
 * listening with an engine that can never load.
 */
export function checkModelFiles(config: BackendConfig): void {
  if (config.engine !== 'onnx') return;
  const check = (variable: string, path: string | undefined, hint: string): void => {
    if (!path) throw new Error(`${variable} is required when VISTA3D_ENGINE=onnx`);
    let isFile = false;
    try {
      isFile = statSync(path).isFile();
    } catch (err) {
      const code = (err as { code?: string }).code;
      throw new Error(`${variable}: ${path} ${code === 'ENOENT' ? 'does not exist' : `is not readable (${code ?? (err as Error).message})`}${hint}`);
    }
    if (!isFile) throw new Error(`${variable}: ${path} is not a file${hint}`);
  };
  check('VISTA3D_MODEL_PATH', config.modelPath, ' (the .onnx model for VISTA3D_ENGINE=onnx)');
  const cardPath = modelCardPathOf(config);
  check(
    config.modelCardPath ? 'VISTA3D_MODEL_CARD' : 'VISTA3D_MODEL_CARD (default: the model path with .json)',
    cardPath,
    ' (the JSON model card; see docs/backend.md)',
  );
  // The card itself (schema v2 or v1) and the other model files it names.
  const card = loadModelCardSync(cardPath!);
  const files = modelFiles(card, cardPath!, config.modelPath!);
  if (files.main !== config.modelPath) check('model card model.automatic.file / model.file', files.main, ' (relative to the card)');
  if (files.point) check('model card model.point.file', files.point, ' (relative to the card)');
}

/**
 * Start-up check that needs onnxruntime (async): every model file has the card's input names and
 * output shape. main.ts runs it before listening, so a card that does not fit its model stops the
 * backend with the reason instead of serving 503s.
 */
export async function checkModelContract(config: BackendConfig): Promise<void> {
  if (config.engine !== 'onnx' || !config.modelPath) return;
  await checkOnnxModel(config.modelPath, modelCardPathOf(config)!);
}

/**
 * Builds the configured engine: by default in worker threads (WorkerEngine), so that segmentation
 * never blocks health, info and metrics; with VISTA3D_ENGINE_WORKER=false on the main thread with
 * @vista3d/segmentation's createEngine.
 */
export async function loadEngine(config: BackendConfig): Promise<SegmentationEngine> {
  const engineConfig = engineConfigFrom(config);
  if (config.engineWorker) {
    const engine = new WorkerEngine(engineConfig);
    await engine.ready().catch(async (err: unknown) => {
      await engine.dispose();
      throw err;
    });
    return engine;
  }
  return createEngine(engineConfig);
}
