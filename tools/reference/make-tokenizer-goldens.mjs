// Regenerates the tokenizer golden files: for each configuration, every text's ids as Hugging Face's
// transformers.js gives them, with offsets from the reference implementation in bert_reference.py, which
// must give the same ids on every row (else nothing is written and the first disagreement is printed).
//
//   node tools/reference/make-tokenizer-goldens.mjs
//
// Texts: 30 sentences from each of the 100 files of npm nlp-corpus@4.4.0 and the hand-written edge cases in
// tokenizer-edge-cases.json; for the uncased configuration also sentence pairs (ids, token type ids) and
// decoding (transformers.js' decode of each sentence's ids).
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadTokenizer } from './hf.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const out = path.join(root, 'tests/Bert.MLNet.Tokenizers.Tests/Goldens');
const folders = execFileSync(path.join(root, 'tools/setup/tokenizers.sh')).toString().trim();
const corpus = execFileSync(path.join(root, 'tools/setup/fetch-npm.sh'), ['nlp-corpus@4.4.0']).toString().trim();

const sentences = [];
for (let doc = 0; doc < 100; doc++) {
  const all = JSON.parse(fs.readFileSync(path.join(corpus, 'builds', `doc-${doc}.json`), 'utf8'));
  sentences.push(...all.slice(0, 30));
}
const edgeCases = JSON.parse(fs.readFileSync(path.join(here, 'tokenizer-edge-cases.json'), 'utf8'));
const texts = [...edgeCases, ...sentences];

const hasLoneSurrogate = s => /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
const row = (text, fields) => {
  const r = { text, ...fields };
  if (hasLoneSurrogate(text)) r.units = Array.from({ length: text.length }, (_, i) => text.charCodeAt(i));
  return JSON.stringify(r);
};

// The one place transformers.js is known to differ from Hugging Face's tokenizers (Rust) and from BERT's
// original code: its _tokenize_chinese_chars walks UTF-16 units, so it never isolates CJK ideographs outside
// the Basic Multilingual Plane (Extension B and later). There the goldens keep the Rust behavior.
const knownDivergence = text => [...text].some(c => c.codePointAt(0) >= 0x20000 && c.codePointAt(0) <= 0x2FA1F)
  ? 'transformers.js misses CJK ideographs outside the BMP (it walks UTF-16 units); ids follow Hugging Face tokenizers (Rust)'
  : null;

// uncased.jsonl serves both uncased folders (vocab.txt and tokenizer.json): the fast tokenizer Hugging Face
// converts a vocab.txt into is exactly uncased-json's tokenizer.json, so both must give these rows.
const referenceFolder = { uncased: 'uncased-json', cased: 'cased-json' };
fs.mkdirSync(out, { recursive: true });
for (const [config, source] of Object.entries(referenceFolder)) {
  const folder = path.join(folders, source);
  const tokenizer = await loadTokenizer(folder);
  const python = execFileSync('python3', [path.join(here, 'bert_reference.py'), folder], {
    input: texts.map(t => JSON.stringify(t)).join('\n') + '\n', maxBuffer: 1 << 28,
  }).toString().trim().split('\n').map(l => JSON.parse(l));
  const lines = [];
  texts.forEach((text, i) => {
    const ids = tokenizer.encode(text).map(Number);
    const [refIds, offsets] = python[i];
    const note = JSON.stringify(ids) !== JSON.stringify(refIds) && knownDivergence(text);
    if (note) {
      lines.push(row(text, { ids: refIds, offsets, note }));
      return;
    }
    if (JSON.stringify(ids) !== JSON.stringify(refIds)) {
      console.error(`${config}: row ${i} ${JSON.stringify(text)}\n  transformers.js ${JSON.stringify(ids)}\n  reference       ${JSON.stringify(refIds)}`);
      process.exit(1);
    }
    lines.push(row(text, { ids, offsets }));
  });
  fs.writeFileSync(path.join(out, `${config}.jsonl`), lines.join('\n') + '\n');
  console.log(`${config}: ${lines.length} rows`);
}

// Pairs: consecutive sentences, with transformers.js' ids and token type ids.
const tokenizer = await loadTokenizer(path.join(folders, 'uncased-json'));
const pairs = [];
for (let i = 0; i + 1 < 400; i += 2) {
  const [a, b] = [sentences[i], sentences[i + 1]];
  const encoded = tokenizer(a, { text_pair: b });
  pairs.push(JSON.stringify({
    text: a, pair: b,
    ids: Array.from(encoded.input_ids.data, Number),
    type_ids: Array.from(encoded.token_type_ids.data, Number),
  }));
}
fs.writeFileSync(path.join(out, 'uncased-pairs.jsonl'), pairs.join('\n') + '\n');
console.log(`uncased-pairs: ${pairs.length} rows`);

// Decoding: transformers.js' decode of each sentence's ids (special tokens skipped, cleanup on).
const decoded = sentences.slice(0, 500).map(text => {
  const ids = tokenizer.encode(text);
  return JSON.stringify({ ids: ids.map(Number), decoded: tokenizer.decode(ids, { skip_special_tokens: true }) });
});
fs.writeFileSync(path.join(out, 'uncased-decode.jsonl'), decoded.join('\n') + '\n');
console.log(`uncased-decode: ${decoded.length} rows`);
