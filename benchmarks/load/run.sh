#!/usr/bin/env bash
# The bounded load test of `bert-mlnet serve` (serve-load.cs): builds the tool, then runs the clients, loopback only.
#   bash benchmarks/load/run.sh [model] [requests] [base64|float] ["more serve flags"]
set -euo pipefail
cd "$(dirname "$0")/../.."
model=${1:-all-MiniLM-L6-v2}
requests=${2:-1024}
encoding=${3:-base64}
server_flags=${4:-}
dotnet build -c Release src/Bert.MLNet.Cli -o .cache/load/cli >/dev/null
dotnet run -c Release benchmarks/load/serve-load.cs -- "$PWD/.cache/load/cli/bert-mlnet" "$model" "$requests" "$PWD/datasets/wordnet-topics/train.tsv" "$encoding" "$server_flags"
