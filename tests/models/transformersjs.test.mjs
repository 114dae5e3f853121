// The bundled model folder loads as it is in Hugging Face's transformers.js (offline) and gives the hidden
// states the PyTorch model it was exported from gives (golden file written by tools/pretrain/export.py).
//
//   node --test tests/models/
// BERT_MLNET_MODEL and BERT_MLNET_GOLDEN point it at another folder and golden (the pretraining smoke test does).
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadFeatureExtraction, loadTokenizer } from '../../tools/reference/hf.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const model = process.env.BERT_MLNET_MODEL ?? path.join(root, 'models/bert-l4-h128-uncased');
const golden = JSON.parse(fs.readFileSync(process.env.BERT_MLNET_GOLDEN ?? path.join(root, 'tests/models/bert-l4-h128-uncased.golden.json'), 'utf8'));
const tolerance = 1e-4;

test('the tokenizer gives the golden input ids', async () => {
  const tokenizer = await loadTokenizer(model);
  golden.sentences.forEach((sentence, row) => {
    const ids = tokenizer.encode(sentence);
    assert.deepEqual(ids, golden.input_ids[row].slice(0, ids.length));
  });
});

test('feature-extraction gives PyTorch last hidden state within 1e-4', async () => {
  const extractor = await loadFeatureExtraction(model);
  const hidden = golden.hidden_states[golden.hidden_states.length - 1];
  for (const [row, sentence] of golden.sentences.entries()) {
    const output = await extractor(sentence, { pooling: 'none' });
    const [, tokens, size] = output.dims;
    assert.equal(tokens, golden.attention_mask[row].reduce((a, b) => a + b, 0));
    for (let t = 0; t < tokens; t++) {
      for (let h = 0; h < size; h++) {
        const diff = Math.abs(output.data[t * size + h] - hidden[row][t][h]);
        assert.ok(diff <= tolerance, `row ${row} token ${t} dim ${h}: ${output.data[t * size + h]} vs ${hidden[row][t][h]}`);
      }
    }
  }
});

test('config.json matches the ONNX outputs and the vocabulary', async () => {
  const config = JSON.parse(fs.readFileSync(path.join(model, 'config.json'), 'utf8'));
  assert.equal(config.model_type, 'bert');
  assert.equal(golden.hidden_states.length, config.num_hidden_layers + 1);
  assert.equal(golden.hidden_states[0][0][0].length, config.hidden_size);
  const vocab = fs.readFileSync(path.join(model, 'vocab.txt'), 'utf8').split('\n').filter(l => l.length > 0);
  assert.equal(vocab.length, config.vocab_size);
  const extractor = await loadFeatureExtraction(model);
  const output = await extractor('hello world', { pooling: 'mean' });
  assert.deepEqual(output.dims, [1, config.hidden_size]);
});
