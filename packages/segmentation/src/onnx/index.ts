// The ONNX engine's stages, for tests, benchmarks and tools.
export * from './transforms/orientation.js';
export * from './transforms/spacing.js';
export * from './transforms/crop.js';
export * from './transforms/intensity.js';
export * from './transforms/sliding-window.js';
export * from './transforms/components.js';
export { preprocess, toModelGrid, invertLabels, type ModelInput } from './pipeline.js';
export { windowStarts, patchLayout, slidingWindow } from './inference.js';
export { expandClasses, clickWindow, passedClicks, clicksOnModelGrid, vistaAutomatic, vistaPoints, type Click } from './vista.js';
export { OnnxEngine, type OnnxTaps } from './engine.js';
export { parseModelCard, type ModelCard } from './card.js';
export { segmentSoftmax } from './softmax.js';
export { openSession, checkContract, contracts } from './session.js';
export { Timer } from './timer.js';
