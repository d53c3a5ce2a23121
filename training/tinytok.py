"""Minimal byte-level BPE tokenizer (trainer + encoder) that emits a Hugging Face
`tokenizer.json`, with semantics matching @huggingface/tokenizers (transformers.js).

Pre-tokenization = Split(regex, behavior=Isolated) followed by ByteLevel(use_regex=False).
The regex uses ASCII classes only so Python `re` and JavaScript RegExp behave the same.
Digits are split one by one (like Qwen) so copying numbers is easy to learn.
"""
import json
import re
from collections import Counter

SPLIT_REGEX = r"'(?:s|t|re|ve|m|ll|d)| ?[A-Za-z]+|[0-9]| ?[^A-Za-z0-9 \t\r\n]+|[ \t\r\n]+(?![^ \t\r\n])|[ \t\r\n]+"
# Split v2 (tiny-tool-qwen stage 6 on): a capital letter is a piece of its own and no space is glued to
# it, so a name reads as the same tokens in a request (" Dallas" -> " ", "D", "allas") as in a JSON
# call ("Dallas" -> "D", "allas"). Under v1, " Dallas" began with the token "ĠD" and "Dallas" with "D",
# and the model never learnt to copy a name it had not memorised; digits, which v1 already split off
# spaces, it copied well. Lowercase words keep their leading space, so most text tokenizes as before.
# The vocabulary and merges stay the same: merges that would build "ĠD…" just never apply.
SPLIT_REGEX_V2 = r"'(?:s|t|re|ve|m|ll|d)|[A-Z]| ?[a-z]+|[0-9]| ?[^A-Za-z0-9 \t\r\n]+|[ \t\r\n]+(?![^ \t\r\n])|[ \t\r\n]+"
# Split v3: as v2, and the letters of a capitalised word are pieces of their own (up to 16 letters;
# any rest is one lowercase piece), so a name is copied letter by letter, from an alphabet of 52,
# the way digits already were. v2 alone did not teach the model to copy unseen names: it copied
# the first pieces and then drifted, as with v1. Python's `re` has no variable-width lookbehind, so
# "after a capital and k lowercase letters" is spelt out for each k; JavaScript reads it the same.
SPLIT_REGEX_V3 = (r"'(?:s|t|re|ve|m|ll|d)|[A-Z]|(?<=[A-Z])[a-z]|"
                  + "|".join(f"(?<=[A-Z][a-z]{{{k}}})[a-z]" for k in range(1, 15))
                  + r"| ?[a-z]+|[0-9]| ?[^A-Za-z0-9 \t\r\n]+|[ \t\r\n]+(?![^ \t\r\n])|[ \t\r\n]+")
SPLIT_REGEXES = {1: SPLIT_REGEX, 2: SPLIT_REGEX_V2, 3: SPLIT_REGEX_V3}

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
NONSPECIAL_ADDED = ["<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>", "<think>", "</think>"]


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\xa1"), ord("\xac") + 1)) + list(range(ord("\xae"), ord("\xff") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


BYTE_ENCODER = bytes_to_unicode()
BYTE_DECODER = {v: k for k, v in BYTE_ENCODER.items()}


def regex_split(text, split=re.compile(SPLIT_REGEX)):
    """Split with behavior 'Isolated' (keep matches and the gaps between them)."""
    out, prev = [], 0
    for m in split.finditer(text):
        if prev < m.start():
            out.append(text[prev:m.start()])
        if m.group(0):
            out.append(m.group(0))
        prev = m.end()
    if prev < len(text):
        out.append(text[prev:])
    return out


def pretokenize(text, split=re.compile(SPLIT_REGEX)):
    return ["".join(BYTE_ENCODER[b] for b in piece.encode("utf-8")) for piece in regex_split(text, split)]


ADDED = SPECIAL_TOKENS + NONSPECIAL_ADDED
_ADDED_RE = re.compile("(" + "|".join(re.escape(t) for t in sorted(ADDED, key=len, reverse=True)) + ")")


def split_added(text):
    """Split text into (segment, is_added_token) like HF's added-token handling."""
    parts = _ADDED_RE.split(text)
    out = []
    for i, p in enumerate(parts):
        if not p:
            continue
        out.append((p, i % 2 == 1))
    return out


class ByteBPE:
    def __init__(self, merges, vocab, split_regex=SPLIT_REGEX):
        self.split_regex = split_regex
        self.split = re.compile(split_regex)
        self.merges = merges  # list of (a, b)
        self.ranks = {m: i for i, m in enumerate(merges)}
        self.vocab = vocab  # token -> id (includes added tokens)
        self.id_to_token = {i: t for t, i in vocab.items()}
        self.cache = {}

    @classmethod
    def train(cls, texts, n_merges, min_freq=2):
        words = Counter()
        for t in texts:
            for seg, is_added in split_added(t):
                if is_added:
                    continue
                for w in pretokenize(seg):
                    words[w] += 1
        # word -> list of symbols
        corpus = [(list(w), f) for w, f in words.items()]
        merges = []
        for _ in range(n_merges):
            pairs = Counter()
            for sym, f in corpus:
                for a, b in zip(sym, sym[1:]):
                    pairs[(a, b)] += f
            if not pairs:
                break
            # deterministic: highest count, then lexicographic
            best, cnt = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))
            if cnt < min_freq:
                break
            merges.append(best)
            a, b = best
            new_corpus = []
            for sym, f in corpus:
                if len(sym) > 1:
                    i, ns = 0, []
                    while i < len(sym):
                        if i < len(sym) - 1 and sym[i] == a and sym[i + 1] == b:
                            ns.append(a + b)
                            i += 2
                        else:
                            ns.append(sym[i])
                            i += 1
                    sym = ns
                new_corpus.append((sym, f))
            corpus = new_corpus
        vocab = {}
        # ids: 256 byte symbols (in byte order), then merges, then added tokens
        for b in range(256):
            vocab[BYTE_ENCODER[b]] = len(vocab)
        for a, b in merges:
            if a + b not in vocab:
                vocab[a + b] = len(vocab)
        for t in ADDED:
            vocab[t] = len(vocab)
        return cls(merges, vocab)

    @classmethod
    def from_hf_json(cls, tj, split_regex=None):
        """The tokenizer of a tokenizer.json written by to_hf_json; split_regex overrides its pre-tokenizer."""
        vocab = dict(tj["model"]["vocab"])
        for t in tj["added_tokens"]:
            vocab[t["content"]] = t["id"]
        saved = tj["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"]
        return cls([tuple(x) for x in tj["model"]["merges"]], vocab, split_regex or saved)

    def bpe(self, word):
        if word in self.cache:
            return self.cache[word]
        sym = list(word)
        while len(sym) > 1:
            best_i, best_r = -1, None
            for i in range(len(sym) - 1):
                r = self.ranks.get((sym[i], sym[i + 1]))
                if r is not None and (best_r is None or r < best_r):
                    best_i, best_r = i, r
            if best_i < 0:
                break
            a, b = self.merges[best_r]
            i, ns = 0, []
            while i < len(sym):
                if i < len(sym) - 1 and sym[i] == a and sym[i + 1] == b:
                    ns.append(a + b)
                    i += 2
                else:
                    ns.append(sym[i])
                    i += 1
            sym = ns
        self.cache[word] = sym
        return sym

    def encode(self, text):
        ids = []
        for seg, is_added in split_added(text):
            if is_added:
                ids.append(self.vocab[seg])
                continue
            for w in pretokenize(seg, self.split):
                ids.extend(self.vocab[s] for s in self.bpe(w))
        return ids

    def decode(self, ids, skip_special=False):
        out, buf = [], []
        for i in ids:
            t = self.id_to_token[i]
            if t in ADDED:
                if buf:
                    out.append(bytearray(BYTE_DECODER[c] for c in "".join(buf)).decode("utf-8", errors="replace"))
                    buf = []
                if not (skip_special and t in SPECIAL_TOKENS):
                    out.append(t)
            else:
                buf.append(t)
        if buf:
            out.append(bytearray(BYTE_DECODER[c] for c in "".join(buf)).decode("utf-8", errors="replace"))
        return "".join(out)

    def to_hf_json(self):
        added = []
        for t in ADDED:
            added.append({"id": self.vocab[t], "content": t, "single_word": False, "lstrip": False,
                          "rstrip": False, "normalized": False, "special": t in SPECIAL_TOKENS})
        base_vocab = {t: i for t, i in self.vocab.items() if t not in ADDED}
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": added,
            "normalizer": None,
            "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
                {"type": "Split", "pattern": {"Regex": self.split_regex}, "behavior": "Isolated", "invert": False},
                {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False},
            ]},
            "post_processor": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False},
            "decoder": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False},
            "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                      "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                      "vocab": base_vocab, "merges": [[a, b] for a, b in self.merges]},
        }
