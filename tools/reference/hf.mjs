// transformers.js (Hugging Face's JavaScript port), set up to run offline from local folders only.
// Scripts elsewhere in tools/ import it from here, so it resolves from this folder's node_modules
// (installed by tools/setup/reference.sh).
import path from 'node:path';
import { env, AutoTokenizer, pipeline } from '@huggingface/transformers';

env.allowRemoteModels = false;
env.useBrowserCache = false;

/** Loads a tokenizer from a folder holding tokenizer.json and tokenizer_config.json. */
export async function loadTokenizer(folder) {
  env.localModelPath = path.dirname(path.resolve(folder)) + '/';
  return AutoTokenizer.from_pretrained(path.basename(path.resolve(folder)));
}

/** Loads the feature-extraction pipeline from a model folder holding onnx/model.onnx. */
export async function loadFeatureExtraction(folder) {
  env.localModelPath = path.dirname(path.resolve(folder)) + '/';
  return pipeline('feature-extraction', path.basename(path.resolve(folder)), { dtype: 'fp32' });
}
