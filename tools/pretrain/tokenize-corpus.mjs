// Tokenizes the pretraining corpus with Hugging Face's own tokenizer (transformers.js, offline), so the
// model learns from exactly the ids any Hugging Face BERT tokenizer gives for the standard vocabulary.
//
//   node tokenize-corpus.mjs <tokenizer folder> <corpus.jsonl> <out prefix>
//
// Writes <out prefix>.ids (uint16, little-endian: every id of every paragraph, no special tokens) and
// <out prefix>.docs.json (per document: source, name, and the [start, end) id range of each paragraph).
import fs from 'node:fs';
import readline from 'node:readline';
import { loadTokenizer } from '../reference/hf.mjs';

const [folder, corpus, prefix] = process.argv.slice(2);
if (!folder || !corpus || !prefix) {
  console.error('usage: node tokenize-corpus.mjs <tokenizer folder> <corpus.jsonl> <out prefix>');
  process.exit(2);
}
const tokenizer = await loadTokenizer(folder);

const ids = [];
const docs = [];
const lines = readline.createInterface({ input: fs.createReadStream(corpus) });
for await (const line of lines) {
  if (!line) continue;
  const doc = JSON.parse(line);
  const paragraphs = [];
  for (const paragraph of doc.text.split('\n')) {
    const start = ids.length;
    for (const id of tokenizer.encode(paragraph, { add_special_tokens: false })) ids.push(id);
    if (ids.length > start) paragraphs.push([start, ids.length]);
  }
  docs.push({ source: doc.source, name: doc.doc, paragraphs });
}
fs.writeFileSync(prefix + '.ids', Buffer.from(Uint16Array.from(ids).buffer));
fs.writeFileSync(prefix + '.docs.json', JSON.stringify(docs));
console.log(`${prefix}: ${docs.length} documents, ${ids.length} tokens`);
