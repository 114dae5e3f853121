#!/usr/bin/env bash
# The pretraining tooling end to end on a tiny model: a few training steps on a slice of the Brown corpus,
# export to an ONNX model folder, and the folder loading in transformers.js with hidden states equal to
# PyTorch's. Everything goes to a temporary folder; CI runs this.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 "$root/tools/pretrain/pretrain.py" --smoke --run-dir "$work/run" --eval-every 3
/usr/bin/python3 "$root/tools/pretrain/export.py" --run-dir "$work/run" --out "$work/model" --golden "$work/golden.json"
BERT_MLNET_MODEL="$work/model" BERT_MLNET_GOLDEN="$work/golden.json" node --test "$root/tests/models/"
echo "pretraining smoke test: 1 passed, 0 failed"
