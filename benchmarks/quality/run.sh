#!/usr/bin/env bash
# The README's quality table: for each known model and task, the featurization search's best candidate (cross-validated),
# refitted and scored on the held-out split by `bert-mlnet evaluate`; FeaturizeText with the same trainer on the same
# split (featurize-text.cs); SemanticSearch's topic precision@5. One model run at a time; the Brown genres last (slowest).
#
#   bash benchmarks/quality/run.sh [model ...]     # default: all three; results under .cache/quality/
#   QUALITY_PRECISION=int8 bash benchmarks/quality/run.sh all-MiniLM-L6-v2   # the same searches in int8 (results under .cache/quality/int8/)
set -euo pipefail
cd "$(dirname "$0")/../.."
precision=${QUALITY_PRECISION:-fp32}
out=${QUALITY_OUT:-.cache/quality}
[ "$precision" = fp32 ] || out="$out/$precision"
mkdir -p "$out"
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(bert-l4-h128-uncased all-MiniLM-L6-v2 snowflake-arctic-embed-xs)
dotnet build -c Release src/Bert.MLNet.Cli -o "$out/cli" >/dev/null
cli="$out/cli/bert-mlnet"
[ -f .cache/datasets/brown-genres/train.tsv ] || /usr/bin/python3 datasets/make_datasets.py brown-genres

task() {  # name dataset-folder train-flags...
  local name=$1 data=$2; shift 2
  for model in "${models[@]}"; do
    local dir="$out/$name/$model"
    rm -rf "$dir" && mkdir -p "$dir"
    /usr/bin/time -f "wall %e s, peak %M KB" "$cli" train --dataset "$data/train.tsv" --label-col Label --model "$model" --folds 3 --precision "$precision" --output "$dir" "$@" \
      >"$dir/train.out" 2>"$dir/train.log"
    "$cli" evaluate --model "$dir/model.zip" --dataset "$data/test.tsv" --output "$dir/test.json" >/dev/null 2>"$dir/evaluate.log"
    echo "$name $model: $(grep -o '"accuracy": [0-9.]*' "$dir/test.json" | head -1) ($(tail -1 "$dir/train.log"))"
  done
}

baseline() {  # name dataset-folder trainer [First Second]
  local name=$1; shift
  echo "$name FeaturizeText: $(dotnet run benchmarks/quality/featurize-text.cs -- "$@" 2>&1 | tail -1)"
}

for model in "${models[@]}"; do
  echo "semantic-search $model: $(dotnet run -c Release --project samples/SemanticSearch -- "$model" datasets/wordnet-topics | tail -1)"
done
baseline semantic-search datasets/wordnet-topics retrieval
task wordnet-topics datasets/wordnet-topics --text-col Text --trainers linear
baseline wordnet-topics datasets/wordnet-topics linear
task spam-assassin datasets/spam-assassin --text-col Text --trainers fasttree
baseline spam-assassin datasets/spam-assassin fasttree
task wordnet-pairs datasets/wordnet-pairs --text-col First --text-col2 Second --trainers linear
baseline wordnet-pairs datasets/wordnet-pairs linear First Second
task brown-genres .cache/datasets/brown-genres --text-col Text --trainers linear --max-minutes 8
baseline brown-genres .cache/datasets/brown-genres linear
