#!/usr/bin/python3
"""xgboost side of trees-xgboost.py, run as its own process so its time counts the way ours does:
interpreter start, imports, reading the CSV, training, saving.

    xgboost-train.py train <train.csv> <model.json>
    xgboost-train.py evaluate <test.csv> <model.json>     # prints {"accuracy": ..., "logLoss": ...}
"""
import json
import sys

import numpy as np
import xgboost as xgb

TREES, LEAVES, LEARNING_RATE, L2, THREADS = 100, 20, 0.2, 1.0, 2


def load(path):
    table = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float32)
    return table[:, :-1], table[:, -1].astype(np.int64)


def main():
    command, data, model_path = sys.argv[1:4]
    x, y = load(data)
    if command == "train":
        classes = int(y.max()) + 1
        params = {
            "tree_method": "hist", "grow_policy": "lossguide", "max_leaves": LEAVES, "max_depth": 0,
            "eta": LEARNING_RATE, "lambda": L2, "max_bin": 256, "nthread": THREADS, "seed": 0,
        }
        if classes == 2:
            params.update(objective="binary:logistic")
        else:
            params.update(objective="multi:softprob", num_class=classes)
        booster = xgb.train(params, xgb.DMatrix(x, label=y, missing=np.nan), num_boost_round=TREES)
        booster.save_model(model_path)
    else:
        booster = xgb.Booster(model_file=model_path, params={"nthread": THREADS})
        p = booster.predict(xgb.DMatrix(x, missing=np.nan))
        if p.ndim == 1:
            p = np.column_stack([1 - p, p])
        accuracy = float((p.argmax(axis=1) == y).mean())
        log_loss = float(-np.log(np.clip(p[np.arange(len(y)), y], 1e-15, 1 - 1e-15)).mean())
        print(json.dumps({"accuracy": accuracy, "logLoss": log_loss}))


if __name__ == "__main__":
    main()
