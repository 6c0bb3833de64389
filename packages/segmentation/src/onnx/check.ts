import { loadModelCard, modelFiles, type ModelCard } from './card.js';
import { checkContract, contracts, ort } from './session.js';

/**
 * Start-up check of an ONNX deployment: the card is valid (v2, or v1 upgraded) and every model file
 * it names has the card's input names and output shape. Throws ModelCardError (or onnxruntime's
 * load error) with the file and field at fault; opens CPU sessions only and releases them.
 */
export async function checkOnnxModel(modelPath: string, cardPath: string): Promise<ModelCard> {
  const card = await loadModelCard(cardPath);
  const files = modelFiles(card, cardPath, modelPath);
  const c = contracts(card);
  for (const [file, contract] of [[files.main, c.main], [files.point, c.point]] as const) {
    if (!file || !contract) continue;
    const session = await ort.InferenceSession.create(file, { executionProviders: ['cpu'] });
    try {
      checkContract(session, contract, file);
    } finally {
      await session.release();
    }
  }
  return card;
}
