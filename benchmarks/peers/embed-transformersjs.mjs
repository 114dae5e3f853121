// Peer for EmbeddingBenchmarks: Hugging Face transformers.js' feature-extraction pipeline (mean pooling) on
// the same 1,000 nlp-corpus sentences and the same model folder, in batches of 32 in input order (how the
// pipeline is used: it pads each batch to its longest sentence). Prints sentences/s (the median of RUNS passes)
// and the whole process's time.
//
//   node benchmarks/peers/embed-transformersjs.mjs [model folder]
//   SENTENCES=10000 RUNS=1 node benchmarks/peers/embed-transformersjs.mjs   # one pass, for whole-process timing
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadFeatureExtraction } from '../../tools/reference/hf.mjs';

const started = process.hrtime.bigint();
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const model = process.argv[2] ?? process.env.BERT_MLNET_BENCH_MODEL ?? path.join(root, 'models/bert-l4-h128-uncased');
const corpus = execFileSync(path.join(root, 'tools/setup/fetch-npm.sh'), ['nlp-corpus@4.4.0']).toString().trim();
const sentences = [];
const count = Number(process.env.SENTENCES ?? 1000);
for (let doc = 0; doc < 100 && sentences.length < count; doc++) {
  sentences.push(...JSON.parse(fs.readFileSync(path.join(corpus, 'builds', `doc-${doc}.json`), 'utf8')));
}
sentences.length = count;

const extractor = await loadFeatureExtraction(model);
const timings = [];
const runs = Number(process.env.RUNS ?? 3);
for (let run = 0; run < runs; run++) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < sentences.length; i += 32) {
    await extractor(sentences.slice(i, i + 32), { pooling: 'mean' });
  }
  timings.push(Number(process.hrtime.bigint() - start) / 1e9);
}
timings.sort((a, b) => a - b);
const median = timings[Math.floor(timings.length / 2)];
console.log(JSON.stringify({
  peer: 'transformers.js 3.8.1 feature-extraction (onnxruntime-node 1.21), mean pooling, batches of 32',
  sentences: sentences.length, seconds: median, sentencesPerSecond: sentences.length / median,
  wholeProcessSeconds: Number(process.hrtime.bigint() - started) / 1e9,
}));
