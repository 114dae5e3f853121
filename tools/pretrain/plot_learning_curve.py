"""Draws the pretraining run's learning curve for the model card.

    /usr/bin/python3 tools/pretrain/plot_learning_curve.py --log .cache/pretrain/run/log.jsonl --out models/bert-l4-h128-uncased/learning-curve.png

A run that continued from an exported model (pretrain.py --init-onnx) is drawn after the steps before it:
--offset gives their number, --before the held-out loss and accuracy they ended with. A step logged twice (a
run resumed from a checkpoint repeats the steps after it) counts once, the later time.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--offset", type=int, default=0, help="steps trained before this run")
    parser.add_argument("--before", type=str, default=None, help="LOSS,ACCURACY held out at the end of the steps before")
    args = parser.parse_args()
    by_step = {}
    for line in args.log.read_text().splitlines():
        if line:
            row = json.loads(line)
            row["step"] += args.offset
            by_step[row["step"]] = row
    rows = [by_step[k] for k in sorted(by_step)]
    if args.before:
        loss_before, accuracy_before = (float(v) for v in args.before.split(","))
        rows.insert(0, {"step": args.offset, "loss": loss_before, "eval_loss": loss_before, "eval_accuracy": accuracy_before})
    steps = np.array([r["step"] for r in rows])
    loss = np.array([r["loss"] for r in rows])
    window = 50
    smoothed = np.convolve(loss, np.ones(window) / window, mode="valid")
    evals = [r for r in rows if "eval_loss" in r]

    fig, left = plt.subplots(figsize=(8, 4.5), dpi=110)
    left.plot(steps, loss, color="#c8d6e5", linewidth=0.6, label="training loss (per batch)")
    left.plot(steps[window - 1:], smoothed, color="#2e86de", linewidth=1.6, label=f"training loss ({window}-step mean)")
    left.plot([r["step"] for r in evals], [r["eval_loss"] for r in evals], "o-", color="#ee5253", linewidth=1.6, label="held-out loss")
    left.set_xlabel("step (4,096 tokens each)" + (f"; this run continued after step {args.offset}" if args.offset else ""))
    left.set_ylabel("masked-LM cross-entropy")
    left.grid(alpha=0.3)
    right = left.twinx()
    right.plot([r["step"] for r in evals], [100 * r["eval_accuracy"] for r in evals], "s--", color="#10ac84", linewidth=1.4, label="held-out accuracy")
    right.set_ylabel("held-out masked-token accuracy (%)")
    lines = left.get_legend_handles_labels()
    more = right.get_legend_handles_labels()
    left.legend(lines[0] + more[0], lines[1] + more[1], loc="center right", fontsize=8)
    left.set_title("bert-l4-h128-uncased: masked-language-model pretraining")
    fig.tight_layout()
    fig.savefig(args.out)
    print(f"{args.out}: {len(rows)} steps, {len(evals)} evaluations")


if __name__ == "__main__":
    main()
