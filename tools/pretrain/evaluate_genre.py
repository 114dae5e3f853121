"""The question the project exists for: do a pretrained BERT's layers make good features?

    /usr/bin/python3 tools/pretrain/evaluate_genre.py --model models/bert-l4-h128-uncased

Brown corpus genre classification (15 genres): chunks of about 100 words, train/test split by document (the
test documents are also held out of pretraining, see corpus.py). Features: the mean-pooled embedding of each
hidden state 0..N, computed by this project's own `bert-mlnet embed`, for (a) the pretrained model and
(b) the same architecture with random weights (seeded, Hugging Face's initialization); plus (c) TF-IDF over
words. Classifier: scikit-learn's logistic regression on standardized features. The same task also runs through
this project's ML.NET pipeline (tools/pretrain/GenreProbe: ApplyBertEmbedding, LbfgsMaximumEntropy per layer,
FeaturizeText as ML.NET's baseline). Writes evaluation.json.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
import corpus  # noqa: E402
from bert import BertConfig, BertForMaskedLM  # noqa: E402


def random_model(model: Path, out: Path) -> Path:
    """The pretrained model's folder with its weights replaced by a seeded random initialization."""
    hf = json.loads((model / "config.json").read_text())
    config = BertConfig(**{k: v for k, v in hf.items() if k in BertConfig.__dataclass_fields__})
    torch.manual_seed(0)
    bert = BertForMaskedLM(config).bert.eval()
    out.mkdir(parents=True, exist_ok=True)
    (out / "onnx").mkdir(exist_ok=True)
    for name in ("config.json", "vocab.txt", "tokenizer.json", "tokenizer_config.json"):
        (out / name).write_bytes((model / name).read_bytes())
    sample = torch.ones((1, 8), dtype=torch.long)
    axes = {0: "batch_size", 1: "sequence_length"}
    torch.onnx.export(bert, (sample, sample, torch.zeros_like(sample)), str(out / "onnx/model.onnx"), opset_version=14,
                      input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["last_hidden_state", "pooler_output"],
                      dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes, "last_hidden_state": axes})
    return out


def embed(model: Path, texts: list[str], work: Path, name: str) -> np.ndarray:
    """[texts, layers, hidden] mean-pooled hidden states from `bert-mlnet embed`."""
    source = work / "chunks.txt"
    source.write_text("\n".join(t.replace("\n", " ") for t in texts) + "\n")
    target = work / f"{name}.npy"
    subprocess.run(["dotnet", "run", "-c", "Release", "--project", str(ROOT / "src/Bert.MLNet.Cli"), "--", "embed",
                    "--model", str(model), "--input", str(source), "--output", str(target),
                    "--layers", "all", "--pooling", "mean", "--combine", "separate"], check=True)
    return np.load(target)


def mlnet_probe(chunks, model: Path, work: Path, name: str, baseline: bool) -> dict:
    """The task through ApplyBertEmbedding and ML.NET's LbfgsMaximumEntropy (tools/pretrain/GenreProbe)."""
    table = work / "chunks.tsv"
    table.write_text("Split\tGenre\tText\n" + "".join(f"{c[1]}\t{c[2]}\t{c[3].replace(chr(9), ' ').replace(chr(10), ' ')}\n" for c in chunks))
    out = work / f"mlnet-{name}.json"
    command = ["dotnet", "run", "-c", "Release", "--project", str(HERE / "GenreProbe"), "--", str(table), str(model), str(out)]
    subprocess.run(command + (["--baseline"] if baseline else []), check=True)
    return json.loads(out.read_text())


def score(features_train, y_train, features_test, y_test) -> dict:
    classifier = make_pipeline(StandardScaler(with_mean=not hasattr(features_train, "tocsr")),
                               LogisticRegression(max_iter=3000, C=1.0))
    classifier.fit(features_train, y_train)
    predicted = classifier.predict(features_test)
    return {"accuracy": round(float(accuracy_score(y_test, predicted)), 4),
            "macro_f1": round(float(f1_score(y_test, predicted, average="macro")), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--work", type=Path, default=ROOT / ".cache/genre")
    parser.add_argument("--reuse-random", action="store_true",
                        help="reuse the random-weights model's results in --work (they depend only on the config and the seed)")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)

    chunks = corpus.genre_chunks()
    train = [i for i, c in enumerate(chunks) if c[1] == "train"]
    test = [i for i, c in enumerate(chunks) if c[1] == "test"]
    texts = [c[3] for c in chunks]
    labels = np.array([c[2] for c in chunks])
    print(f"{len(chunks)} chunks ({len(train)} train, {len(test)} test), {len(set(labels))} genres", flush=True)

    results = {"task": "Brown corpus genre, ~100-word chunks, split by document", "chunks": {"train": len(train), "test": len(test)},
               "genres": len(set(labels)), "pretrained": [], "random": []}
    results["mlnet"] = {}
    for name in ("pretrained", "random"):
        reuse = name == "random" and args.reuse_random and (args.work / "mlnet-random.json").exists() and (args.work / "random.npy").exists()
        if reuse:
            results["mlnet"][name] = json.loads((args.work / "mlnet-random.json").read_text())
            features = np.load(args.work / "random.npy")
        else:
            model = args.model if name == "pretrained" else random_model(args.model, args.work / "random-model")
            results["mlnet"][name] = mlnet_probe(chunks, model, args.work, name, baseline=name == "pretrained")
            features = embed(model, texts, args.work, name)
        for layer in range(features.shape[1]):
            r = score(features[train, layer], labels[train], features[test, layer], labels[test])
            results[name].append({"layer": layer, **r})
            print(f"{name:10s} layer {layer}: {r}", flush=True)
        all_layers = features.reshape(len(texts), -1)
        results[name + "_all_layers_concat"] = score(all_layers[train], labels[train], all_layers[test], labels[test])
        print(f"{name:10s} all layers concatenated: {results[name + '_all_layers_concat']}", flush=True)

    tfidf = TfidfVectorizer(sublinear_tf=True, min_df=2)
    x_train = tfidf.fit_transform([texts[i] for i in train])
    x_test = tfidf.transform([texts[i] for i in test])
    results["tfidf"] = score(x_train, labels[train], x_test, labels[test])
    majority = max(set(labels[train]), key=list(labels[train]).count)
    results["majority_class_accuracy"] = round(float(np.mean(labels[test] == majority)), 4)
    print(f"tfidf: {results['tfidf']}; majority class: {results['majority_class_accuracy']}", flush=True)
    (args.model / "evaluation.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
