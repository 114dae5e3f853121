"""A plain reference implementation of Hugging Face's BERT tokenizer with offsets, for golden files.

transformers.js (Hugging Face's JavaScript port) gives the reference ids but no offsets, so offsets come
from here. This file is deliberately written the way Hugging Face's tokenizers library works, not the way
the C# tokenizer does: the whole text is normalized as one string that carries, for every character, the
range of the original text it came from (removed characters widen the kept character before them), and
only then pre-tokenized and split into word pieces. make_goldens.py checks that its ids equal
transformers.js' ids for every row before writing anything, so a disagreement can't slip into a golden file.

Offsets are UTF-16 code unit ranges, the unit .NET strings index by.
"""
from __future__ import annotations

import json
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

WHITESPACE = set("\t\n\u000b\u000c\r \u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff") | {chr(c) for c in range(0x2000, 0x200B)}
ASCII_PUNCT = {chr(c) for c in list(range(33, 48)) + list(range(58, 65)) + list(range(91, 97)) + list(range(123, 127))}


def is_control(ch: str) -> bool:
    if ch in "\t\n\r":
        return False
    return unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs")


def is_punctuation(ch: str) -> bool:
    return ch in ASCII_PUNCT or unicodedata.category(ch).startswith("P")


def is_chinese(cp: int) -> bool:
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF or 0x2A700 <= cp <= 0x2B73F
            or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def is_cased(ch: str) -> bool:
    return unicodedata.category(ch) in ("Lu", "Ll", "Lt")


def is_case_ignorable(ch: str) -> bool:
    return ch in "'.:^`\u00b7\u2019" or unicodedata.category(ch) in ("Mn", "Me", "Cf", "Lm", "Sk")


@dataclass
class Settings:
    lowercase: bool = True
    strip_accents: bool | None = None
    clean_text: bool = True
    chinese: bool = True


class Normalized:
    """A normalized string: characters, each with the original [start, end) it came from."""

    def __init__(self, chars, align):
        self.chars = chars
        self.align = align

    def filter(self, keep):
        chars, align = [], []
        for ch, (s, e) in zip(self.chars, self.align):
            if keep(ch):
                chars.append(ch)
                align.append([s, e])
            elif align:
                align[-1][1] = max(align[-1][1], e)
        return Normalized(chars, align)

    def map_many(self, fn):
        chars, align = [], []
        for i, (ch, a) in enumerate(zip(self.chars, self.align)):
            for out in fn(i, ch):
                chars.append(out)
                align.append(list(a))
        return Normalized(chars, align)


class ReferenceTokenizer:
    def __init__(self, vocab: list[str], settings: Settings, added: list[str], unk="[UNK]", cls="[CLS]", sep="[SEP]",
                 max_chars=100):
        self.vocab = {t: i for i, t in enumerate(vocab)}
        self.settings = settings
        self.added = sorted(added, key=len, reverse=True)
        self.unk, self.cls, self.sep, self.max_chars = unk, cls, sep, max_chars

    def normalize(self, text: str, base: int) -> Normalized:
        s = self.settings
        units = []  # UTF-16 start of each code point
        pos = base
        for ch in text:
            units.append([pos, pos + (2 if ord(ch) > 0xFFFF else 1)])
            pos = units[-1][1]
        n = Normalized(list(text), units)
        if s.clean_text:
            n = n.filter(lambda c: not (c == "\0" or c == "\ufffd" or is_control(c)))
            n = n.map_many(lambda i, c: [" " if c in WHITESPACE else c])
        if s.chinese:
            n = n.map_many(lambda i, c: [" ", c, " "] if is_chinese(ord(c)) else [c])
        if s.lowercase:
            chars = n.chars

            def lower(i, c):
                if c == "\u03a3":
                    j = i - 1
                    while j >= 0 and is_case_ignorable(chars[j]):
                        j -= 1
                    before = j >= 0 and is_cased(chars[j])
                    j = i + 1
                    while j < len(chars) and is_case_ignorable(chars[j]):
                        j += 1
                    after = j < len(chars) and is_cased(chars[j])
                    return ["\u03c2" if before and not after else "\u03c3"]
                return list(c.lower())
            n = n.map_many(lower)
        strip = s.lowercase if s.strip_accents is None else s.strip_accents
        if strip:
            n = n.map_many(lambda i, c: list(unicodedata.normalize("NFD", c)))
            n = n.filter(lambda c: unicodedata.category(c) != "Mn")
        return n

    def words(self, n: Normalized):
        word = []
        for ch, a in zip(n.chars, n.align):
            if ch in WHITESPACE:
                if word:
                    yield word
                word = []
            elif is_punctuation(ch):
                if word:
                    yield word
                yield [(ch, a)]
                word = []
            else:
                word.append((ch, a))
        if word:
            yield word

    def wordpiece(self, word):
        chars = [c for c, _ in word]
        start, end = word[0][1][0], max(a[1] for _, a in word)
        if len(chars) > self.max_chars:
            return [(self.vocab[self.unk], start, end)]
        pieces, i = [], 0
        while i < len(chars):
            j = len(chars)
            while j > i:
                piece = "".join(chars[i:j])
                if i > 0:
                    piece = "##" + piece
                if piece in self.vocab:
                    break
                j -= 1
            if j == i:
                return [(self.vocab[self.unk], start, end)]
            pieces.append((self.vocab[piece], word[i][1][0], max(a[1] for _, a in word[i:j])))
            i = j
        return pieces

    def tokenize(self, text: str):
        """[(id, start, end)] of every word piece, no special tokens."""
        out, i, piece_start = [], 0, 0
        utf16 = [0]
        for ch in text:
            utf16.append(utf16[-1] + (2 if ord(ch) > 0xFFFF else 1))
        while i < len(text):
            match = next((a for a in self.added if text.startswith(a, i)), None)
            if match is None:
                i += 1
                continue
            out += self._plain(text[piece_start:i], utf16[piece_start])
            out.append((self.vocab[match], utf16[i], utf16[i + len(match)]))
            i += len(match)
            piece_start = i
        out += self._plain(text[piece_start:], utf16[piece_start])
        return out

    def _plain(self, text: str, base: int):
        result = []
        for word in self.words(self.normalize(text, base)):
            result += self.wordpiece(word)
        return result

    def encode(self, text: str):
        pieces = self.tokenize(text)
        ids = [self.vocab[self.cls]] + [p[0] for p in pieces] + [self.vocab[self.sep]]
        offsets = [[0, 0]] + [[p[1], p[2]] for p in pieces] + [[0, 0]]
        return ids, offsets


def from_folder(folder: Path) -> ReferenceTokenizer:
    """Reads tokenizer.json (BertNormalizer + WordPiece) as transformers.js would."""
    spec = json.loads((folder / "tokenizer.json").read_text())
    norm = spec["normalizer"]
    vocab = sorted(spec["model"]["vocab"], key=spec["model"]["vocab"].get)
    settings = Settings(norm["lowercase"], norm["strip_accents"], norm["clean_text"], norm["handle_chinese_chars"])
    return ReferenceTokenizer(vocab, settings, [t["content"] for t in spec["added_tokens"]],
                              max_chars=spec["model"]["max_input_chars_per_word"])


if __name__ == "__main__":
    tok = from_folder(Path(sys.argv[1]))
    for line in sys.stdin:
        print(json.dumps(tok.encode(json.loads(line))))
