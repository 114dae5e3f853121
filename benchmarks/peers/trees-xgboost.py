#!/usr/bin/python3
"""Peer comparison for Bert.MLNet.Trainers: `bert-mlnet train --trainer fasttree` against xgboost's `hist`
trees with the same hyperparameters, on the same CSV files, each as a whole process (start, read the CSV,
train, save the model), median of three runs. Accuracy is each tool's own evaluation of its saved model
on the same held-out rows.

Data: scikit-learn's bundled breast-cancer and digits sets, and seeded synthetic sets from
sklearn.datasets.make_classification (tens of thousands of rows, tens of features), one with 5% of the
values missing, and one shaped like BERT-base embeddings (6,000 rows, 768 features). Needs Debian's python3-sklearn and python3-xgboost; uses /usr/bin/python3.

    /usr/bin/python3 benchmarks/peers/trees-xgboost.py [--runs 3] [--only NAME]

Writes the table to stdout (Markdown) and .cache/peers/trees/results.json.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / ".cache" / "peers" / "trees"

# The hyperparameters both sides get: FastTree's defaults (100 trees, 20 leaves, learning rate 0.2), L2 1 on
# leaf values, 255 value bins, 2 threads. xgboost bounds a leaf's hessian sum (min_child_weight), not its
# example count; its default of 1 is kept, and ours keeps FastTree's 10 examples per leaf.
TREES, LEAVES, LEARNING_RATE, MIN_LEAF, L2, THREADS = 100, 20, 0.2, 10, 1.0, 2


def datasets():
    from sklearn.datasets import load_breast_cancer, load_digits, make_classification

    cancer = load_breast_cancer()
    yield "breast-cancer", cancer.data, cancer.target
    digits = load_digits()
    yield "digits", digits.data, digits.target
    x, y = make_classification(n_samples=50_000, n_features=40, n_informative=20, n_redundant=10,
                               n_clusters_per_class=3, flip_y=0.02, random_state=0)
    yield "synthetic-binary", x, y
    x, y = make_classification(n_samples=30_000, n_features=30, n_informative=20, n_redundant=5,
                               n_classes=5, n_clusters_per_class=2, flip_y=0.02, random_state=1)
    yield "synthetic-multiclass", x, y
    x, y = make_classification(n_samples=40_000, n_features=40, n_informative=25, n_redundant=5,
                               n_classes=3, n_clusters_per_class=2, flip_y=0.02, random_state=2)
    x[np.random.default_rng(2).random(x.shape) < 0.05] = np.nan
    yield "synthetic-missing", x, y
    # Shaped like BERT-base embeddings: few rows, 768 dense features.
    x, y = make_classification(n_samples=6_000, n_features=768, n_informative=64, n_redundant=64,
                               n_clusters_per_class=2, flip_y=0.02, random_state=3)
    yield "synthetic-wide", x, y


def write_splits(name, x, y):
    from sklearn.model_selection import train_test_split

    folder = WORK / name
    folder.mkdir(parents=True, exist_ok=True)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=0, stratify=y)
    header = ",".join([f"f{i}" for i in range(x.shape[1])] + ["label"])
    for part, features, labels in (("train", x_train, y_train), ("test", x_test, y_test)):
        table = np.column_stack([features.astype(np.float32), labels])
        fmt = ["%.9g"] * x.shape[1] + ["%d"]
        np.savetxt(folder / f"{part}.csv", table, delimiter=",", header=header, comments="", fmt=fmt)
    return folder


def timed(command):
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, command))}\n{completed.stderr}")
    return elapsed, completed.stdout


def bert_mlnet():
    subprocess.run(["dotnet", "build", "-c", "Release", "-v", "q", "--nologo", str(ROOT / "src/Bert.MLNet.Cli")],
                   check=True, capture_output=True)
    app = ROOT / "src/Bert.MLNet.Cli/bin/Release/net10.0/bert-mlnet"
    return [str(app)] if app.exists() else ["dotnet", str(app) + ".dll"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only")
    args = parser.parse_args()
    tool = bert_mlnet()
    peer = [sys.executable, str(Path(__file__).with_name("xgboost-train.py"))]
    results = []
    for name, x, y in datasets():
        if args.only and name != args.only:
            continue
        folder = write_splits(name, x, y)
        train, test = folder / "train.csv", folder / "test.csv"
        ours_model, peer_model = folder / "bert-mlnet.zip", folder / "xgboost.json"
        hyper = ["--trees", TREES, "--leaves", LEAVES, "--learning-rate", LEARNING_RATE, "--min-leaf", MIN_LEAF,
                 "--l2", L2, "--threads", THREADS]
        ours_times, peer_times = [], []
        for _ in range(args.runs):
            ours_times.append(timed(tool + ["train", "--data", train, "--label-column", "label", "--trainer", "fasttree",
                                            "--output", ours_model] + [str(h) for h in hyper])[0])
            peer_times.append(timed(peer + ["train", train, peer_model])[0])
        metrics = folder / "bert-mlnet-metrics.json"
        timed(tool + ["evaluate", "--model", ours_model, "--data", test, "--output", metrics])
        ours = json.loads(metrics.read_text())
        theirs = json.loads(timed(peer + ["evaluate", test, peer_model])[1])
        row = {
            "dataset": name, "rows": int(x.shape[0]), "features": int(x.shape[1]), "classes": int(len(set(y))),
            "ours_accuracy": ours["accuracy"], "xgboost_accuracy": theirs["accuracy"],
            "ours_logloss": ours["logLoss"], "xgboost_logloss": theirs["logLoss"],
            "ours_seconds": statistics.median(ours_times), "xgboost_seconds": statistics.median(peer_times),
        }
        results.append(row)
        print(f"{name}: ours {row['ours_accuracy']:.4f} in {row['ours_seconds']:.2f} s, "
              f"xgboost {row['xgboost_accuracy']:.4f} in {row['xgboost_seconds']:.2f} s", file=sys.stderr)

    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "results.json").write_text(json.dumps(results, indent=2))
    print("| data (rows x features, classes) | accuracy: bert-mlnet | accuracy: xgboost | log-loss: bert-mlnet | log-loss: xgboost "
          "| train s: bert-mlnet | train s: xgboost | time ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['dataset']} ({r['rows']:,} x {r['features']}, {r['classes']}) | {100 * r['ours_accuracy']:.2f}% "
              f"| {100 * r['xgboost_accuracy']:.2f}% | {r['ours_logloss']:.4f} | {r['xgboost_logloss']:.4f} "
              f"| {r['ours_seconds']:.2f} | {r['xgboost_seconds']:.2f} | {r['ours_seconds'] / r['xgboost_seconds']:.2f}x |")


if __name__ == "__main__":
    main()
