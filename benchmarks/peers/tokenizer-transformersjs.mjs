// Peer for TokenizerBenchmarks: Hugging Face's transformers.js tokenizer on the same 10,000 nlp-corpus
// sentences and the same uncased vocabulary, single-threaded (JavaScript has one). Prints tokens/s.
//
//   node benchmarks/peers/tokenizer-transformersjs.mjs
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadTokenizer } from '../../tools/reference/hf.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const corpus = execFileSync(path.join(root, 'tools/setup/fetch-npm.sh'), ['nlp-corpus@4.4.0']).toString().trim();
const folders = execFileSync(path.join(root, 'tools/setup/tokenizers.sh')).toString().trim().split('\n').pop();
const sentences = [];
for (let doc = 0; doc < 100 && sentences.length < 10000; doc++) {
  sentences.push(...JSON.parse(fs.readFileSync(path.join(corpus, 'builds', `doc-${doc}.json`), 'utf8')));
}
sentences.length = 10000;

// The tokenizer.json the fast tokenizer converts vocab.txt into (transformers.js needs tokenizer.json).
const tokenizer = await loadTokenizer(path.join(folders, 'uncased-json'));
let tokens = 0;
const timings = [];
for (let run = 0; run < 7; run++) {
  tokens = 0;
  const start = process.hrtime.bigint();
  for (const sentence of sentences) tokens += tokenizer.encode(sentence).length - 2;
  timings.push(Number(process.hrtime.bigint() - start) / 1e9);
}
timings.sort((a, b) => a - b);
const median = timings[Math.floor(timings.length / 2)];
console.log(JSON.stringify({ peer: 'transformers.js 3.8.1 tokenizer', sentences: sentences.length, tokens, seconds: median, tokensPerSecond: tokens / median }));
