#!/usr/bin/env bash
# Throughput of a corpus job on this machine: one process (embed --output F.parquet) against a cluster of 1 and 2
# silos (embed --redis), the same texts, model and options, interleaved and repeated. Loopback only; starts its own
# redis-server on a free port and stops everything after.
#   bash benchmarks/cluster/run.sh [model] [copies of wordnet-topics train] [shard rows] [repeats]
set -euo pipefail
cd "$(dirname "$0")/../.."
model=${1:-all-MiniLM-L6-v2}
copies=${2:-4}
shard_rows=${3:-500}
repeats=${4:-2}
cores=$(nproc)
work=$(mktemp -d -t bert-mlnet-cluster-bench-XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

dotnet build -c Release src/Bert.MLNet.Cli -o .cache/cluster-bench/cli >/dev/null
tool="$PWD/.cache/cluster-bench/cli/bert-mlnet"
# Distinct texts: each copy of the definitions numbered apart.
for c in $(seq 1 "$copies"); do tail -n +2 datasets/wordnet-topics/train.tsv | cut -f2 | sed "s/\$/ ($c)/"; done > "$work/texts.txt"
rows=$(wc -l < "$work/texts.txt")
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
redis_port=$(port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" >/dev/null &
pids+=($!)
sleep 0.5
"$tool" embed --model "$model" --input "$work/texts.txt" --output "$work/warm.parquet" >/dev/null 2>&1

seconds() { grep -o '[0-9.]* s$' | tail -1 | cut -d' ' -f1; }
one_process() {
  local start end; start=$(date +%s.%N)
  "$tool" embed --model "$model" --input "$work/texts.txt" --output "$work/one.parquet" --threads "$cores" 2>"$work/one.log"
  end=$(date +%s.%N)
  echo "$(seconds < "$work/one.log") $(echo "$end - $start" | bc)"
}
cluster() { # silos threads-per-silo
  local n=$1 threads=$2 silo_pids=() start end out="$work/parts-$RANDOM"
  for i in $(seq 1 "$n"); do
    "$tool" silo --redis "127.0.0.1:$redis_port" --model "$model" --threads "$threads" --port "$(port)" --gateway-port "$(port)" 2>"$work/silo$i.log" &
    silo_pids+=($!); pids+=($!)
  done
  for i in $(seq 1 "$n"); do until grep -qs "joined cluster" "$work/silo$i.log"; do sleep 0.2; done; done
  start=$(date +%s.%N)
  "$tool" embed --redis "127.0.0.1:$redis_port" --input "$work/texts.txt" --output "$out" --shard-rows "$shard_rows" 2>"$work/client.log"
  end=$(date +%s.%N)
  for p in "${silo_pids[@]}"; do kill -TERM "$p"; wait "$p" || true; done
  # Redis keeps the dead silos' rows until they expire; a fresh cluster per run keeps the runs alike.
  redis-cli -p "$redis_port" flushall >/dev/null
  echo "$(seconds < "$work/client.log") $(echo "$end - $start" | bc)"
}

echo "machine: $(lscpu | grep 'Model name' | sed 's/.*: *//'), $cores cores; model $model; $rows texts; shards of $shard_rows rows; $(date -u +%F)"
printf '%-34s %10s %10s %12s\n' run "job s" "process s" "texts/s"
for r in $(seq 1 "$repeats"); do
  for setup in one "cluster 1 $cores" "cluster 2 $(( cores / 2 > 0 ? cores / 2 : 1 ))" "cluster 2 $cores"; do
    if [ "$setup" = one ]; then read -r job total < <(one_process); label="one process, $cores threads"
    else set -- $setup; read -r job total < <(cluster "$2" "$3"); label="$2 silo(s) x $3 threads"; fi
    printf '%-34s %10s %10.1f %12.0f\n' "$label" "$job" "$total" "$(echo "$rows / $job" | bc -l)"
  done
done
