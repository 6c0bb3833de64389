export type { PointPrompt, SegmentationRequest, EngineInfo, SegmentationEngine, EngineConfig } from './engine.js';
export { SegmentationInputError } from './engine.js';
export { createEngine } from './create-engine.js';
export { CpuEngine, CPU_CLASSES } from './cpu/engine.js';
export { validatePrompts } from './prompts.js';
export { OnnxEngine } from './onnx/engine.js';
export { ModelCardSchema, loadModelCard } from './onnx/card.js';
export type { ModelCard } from './onnx/card.js';
export { buildThresholdConvModel } from './onnx/build-test-model.js';
