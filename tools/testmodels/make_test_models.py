"""Makes the small BERT ONNX models the embedding tests run, with golden outputs from PyTorch.

    /usr/bin/python3 tools/testmodels/make_test_models.py      # writes tests/Bert.MLNet.Tests/Models/

Each model is Hugging Face's BERT (tools/pretrain/bert.py) with seeded random weights, exported the way
Hugging Face exports are written: opset 14 (decomposed LayerNorm) or 17 (the LayerNormalization operator),
outputs last_hidden_state and pooler_output only. Beside each: vocab.txt, config.json and golden.json with,
for a batch of sentences, the ids (from tools/reference/bert_reference.py, the reference tokenizer), every
hidden state (Hugging Face's hidden_states), and each pooling of each layer computed here with numpy over
the unpadded tokens, as sentence-transformers pools.
"""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools/pretrain"))
sys.path.insert(0, str(ROOT / "tools/reference"))
from bert import BertConfig, BertModel  # noqa: E402
from bert_reference import ReferenceTokenizer, Settings  # noqa: E402

OUT = ROOT / "tests/Bert.MLNet.Tests/Models"

WORDS = ("the a an and or of to in is was it that this with for on as are be by at from his her they we you he she "
         "not but all one two three there their have has had were been more some what when who will would can "
         "time year people way day man thing woman life child world school state family student group country "
         "problem hand part place case week company system program question work government number night point "
         "home water room mother area money story fact month lot right study book eye job word business issue "
         "side kind head house service friend father power hour game line end member law car city community "
         "name president team minute idea kid body information back parent face others level office door health "
         "person art war history party result change morning reason research girl guy moment air teacher force "
         "education bert layer embedding vector sentence model text token quick brown fox jumps over lazy dog").split()
PUNCT = list(".,!?;:'\"()-")
LETTERS = [chr(c) for c in range(ord("a"), ord("z") + 1)] + [str(d) for d in range(10)]

SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "BERT turns every sentence into vectors, one per layer!",
    "a",
    "",
    "What is the reason for this change in the government's program?",
    "Unknownword zzz xylophone 12345",
    "The teacher and the student read a book about the history of the world in the school.",
    "Money, power and health: the three things.",
]


def vocabulary(specials_first: bool) -> list[str]:
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    body = list(dict.fromkeys(WORDS + PUNCT + LETTERS + ["##" + c for c in LETTERS] + ["##s", "##ing", "##ed", "##er"]))
    if specials_first:
        return specials + body
    # Special tokens at unusual ids, [CLS] first: the library must read ids from the files.
    return ["[CLS]"] + body[:50] + ["[SEP]"] + body[50:100] + ["[UNK]", "[PAD]"] + body[100:] + ["[MASK]"]


class Exported(torch.nn.Module):
    def __init__(self, model: BertModel, with_types: bool):
        super().__init__()
        self.model = model
        self.with_types = with_types

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        return self.model(input_ids, attention_mask, token_type_ids)


def pooled(states: np.ndarray, mask: np.ndarray) -> dict:
    """Every pooling of every layer, [layer][row][hidden], over each row's real tokens."""
    result = {"cls": [], "mean": [], "max": [], "mean-sqrt-len": []}
    for layer in states:
        rows = {k: [] for k in result}
        for row, m in zip(layer, mask):
            tokens = row[m.astype(bool)]
            rows["cls"].append(tokens[0])
            rows["mean"].append(tokens.mean(0))
            rows["max"].append(tokens.max(0))
            rows["mean-sqrt-len"].append(tokens.sum(0) / np.sqrt(len(tokens)))
        for k in result:
            result[k].append(np.stack(rows[k]))
    return {k: np.round(np.stack(v).astype(np.float64), 7).tolist() for k, v in result.items()}


def make(name: str, seed: int, layers: int, hidden: int, heads: int, opset: int, with_types: bool,
         specials_first: bool, onnx_in_subfolder: bool) -> None:
    torch.manual_seed(seed)
    vocab = vocabulary(specials_first)
    config = BertConfig(vocab_size=len(vocab), hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
                        intermediate_size=hidden * 2, max_position_embeddings=64)
    model = BertModel(config)
    for p in model.parameters():  # wider than the 0.02 init, so layers differ visibly
        torch.nn.init.normal_(p, 0.0, 0.2)
    model.eval()

    folder = OUT / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n")
    hf = config.to_hf_json()
    hf["architectures"] = ["BertModel"]
    (folder / "config.json").write_text(json.dumps(hf, indent=2) + "\n")

    tokenizer = ReferenceTokenizer(vocab, Settings(), ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    encoded = [tokenizer.encode(s)[0] for s in SENTENCES]
    length = max(map(len, encoded))
    pad = vocab.index("[PAD]")
    ids = np.full((len(encoded), length), pad, dtype=np.int64)
    mask = np.zeros_like(ids)
    for row, seq in enumerate(encoded):
        ids[row, :len(seq)] = seq
        mask[row, :len(seq)] = 1
    types = np.zeros_like(ids)

    onnx_path = folder / ("onnx/model.onnx" if onnx_in_subfolder else "model.onnx")
    onnx_path.parent.mkdir(exist_ok=True)
    axes = {0: "batch_size", 1: "sequence_length"}
    inputs = (torch.from_numpy(ids), torch.from_numpy(mask)) + ((torch.from_numpy(types),) if with_types else ())
    names = ["input_ids", "attention_mask"] + (["token_type_ids"] if with_types else [])
    exported = model if with_types else Exported(model, with_types)  # BertModel itself where it can: HF-style node names
    torch.onnx.export(exported.eval(), inputs, str(onnx_path), opset_version=opset,
                      do_constant_folding=True, input_names=names, output_names=["last_hidden_state", "pooler_output"],
                      dynamic_axes={**{n: axes for n in names}, "last_hidden_state": axes, "pooler_output": {0: "batch_size"}})
    model.eval()
    with torch.no_grad():
        states = np.stack([s.numpy() for s in model(torch.from_numpy(ids), torch.from_numpy(mask), torch.from_numpy(types), all_hidden_states=True)])
        pooler = model(torch.from_numpy(ids), torch.from_numpy(mask), torch.from_numpy(types))[1].numpy()
    golden = {
        "sentences": SENTENCES,
        "input_ids": ids.tolist(),
        "attention_mask": mask.tolist(),
        "hidden_states": np.round(states.astype(np.float64), 7).tolist(),
        "pooler_output": np.round(pooler.astype(np.float64), 7).tolist(),
        "pooled": pooled(states, mask),
    }
    (folder / "golden.json").write_text(json.dumps(golden) + "\n")
    print(f"{name}: {layers} layers, hidden {hidden}, vocab {len(vocab)}, opset {opset}, {onnx_path.stat().st_size:,} bytes")


def main() -> None:
    make("tiny-bert", seed=1, layers=3, hidden=32, heads=4, opset=14, with_types=True, specials_first=True, onnx_in_subfolder=True)
    make("tiny-bert-opset17", seed=2, layers=2, hidden=16, heads=2, opset=17, with_types=True, specials_first=True, onnx_in_subfolder=False)
    make("tiny-bert-no-token-types", seed=3, layers=2, hidden=16, heads=2, opset=14, with_types=False, specials_first=True, onnx_in_subfolder=False)
    make("tiny-bert-odd-special-ids", seed=4, layers=2, hidden=16, heads=2, opset=14, with_types=True, specials_first=False, onnx_in_subfolder=True)


if __name__ == "__main__":
    main()
