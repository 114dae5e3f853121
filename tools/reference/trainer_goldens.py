#!/usr/bin/python3
"""Golden files for tests/Bert.MLNet.Trainers.Tests, from scikit-learn and xgboost (Debian python3-sklearn,
python3-xgboost):

- breast-cancer-train.csv / breast-cancer-test.csv: scikit-learn's breast-cancer set, standardized with the
  training rows' mean and deviation, split 75/25 (stratified, seed 0). Label column "diagnosis" holds
  "benign"/"malignant" text, so string labels are exercised too.
- wine-train.csv: scikit-learn's wine set (3 classes), standardized.
- logistic.json: scikit-learn LogisticRegression (lbfgs, L2 only, C = 1/l2, intercept unpenalized) weights
  and biases on those files, binary and multinomial: the optimum our objective has too.
- xgboost.json: xgboost `hist` test accuracy and log-loss on breast-cancer with FastTree's defaults.

    /usr/bin/python3 tools/reference/trainer_goldens.py
"""
import json
from pathlib import Path

import numpy as np
import xgboost as xgb
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

OUT = Path(__file__).resolve().parents[2] / "tests" / "Bert.MLNet.Trainers.Tests" / "Goldens"
L2 = 1.0


def standardize(train, *others):
    mean, std = train.mean(axis=0), train.std(axis=0)
    std[std == 0] = 1
    return [((x - mean) / std).astype(np.float32) for x in (train, *others)]


def write(path, x, labels, label_name):
    names = [f"f{i}" for i in range(x.shape[1])]
    with open(path, "w") as f:
        f.write(",".join(names + [label_name]) + "\n")
        for row, label in zip(x, labels):
            f.write(",".join(repr(float(v)) for v in row) + f",{label}\n")


def logistic(x, y):
    model = LogisticRegression(C=1 / L2, tol=1e-12, max_iter=100_000)
    model.fit(x.astype(np.float64), y)
    return {"weights": model.coef_.tolist(), "biases": model.intercept_.tolist()}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    cancer = load_breast_cancer()
    x_train, x_test, y_train, y_test = train_test_split(cancer.data, cancer.target, test_size=0.25, random_state=0, stratify=cancer.target)
    x_train, x_test = standardize(x_train, x_test)
    names = np.array(["malignant", "benign"])  # scikit-learn's target 0 is malignant
    write(OUT / "breast-cancer-train.csv", x_train, names[y_train], "diagnosis")
    write(OUT / "breast-cancer-test.csv", x_test, names[y_test], "diagnosis")

    wine = load_wine()
    (wine_x,) = standardize(wine.data)
    write(OUT / "wine-train.csv", wine_x, wine.target, "cultivar")

    # Our classes sort by name: benign (0), malignant (1); the positive class is malignant.
    positive = (names[y_train] == "malignant").astype(int)
    goldens = {"l2": L2, "binary": logistic(x_train, positive), "multinomial": logistic(wine_x, wine.target)}
    (OUT / "logistic.json").write_text(json.dumps(goldens, indent=1))

    params = {"tree_method": "hist", "grow_policy": "lossguide", "max_leaves": 20, "max_depth": 0, "eta": 0.2,
              "lambda": 1.0, "max_bin": 256, "nthread": 1, "seed": 0, "objective": "binary:logistic"}
    booster = xgb.train(params, xgb.DMatrix(x_train, label=positive), num_boost_round=100)
    p = booster.predict(xgb.DMatrix(x_test))
    truth = (names[y_test] == "malignant").astype(int)
    accuracy = float(((p >= 0.5).astype(int) == truth).mean())
    log_loss = float(-np.mean(truth * np.log(np.clip(p, 1e-15, 1)) + (1 - truth) * np.log(np.clip(1 - p, 1e-15, 1))))
    (OUT / "xgboost.json").write_text(json.dumps({"accuracy": accuracy, "logLoss": log_loss, "params": params}, indent=1))


if __name__ == "__main__":
    main()
