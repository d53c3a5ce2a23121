"""Give frequent request words a token of their own, and grow a checkpoint to the larger vocabulary.

The 1,024-token vocabulary was learnt on the v1 data, so most words of later requests are 3-5 pieces:
"double" is d|ou|b|le and "triple" t|ri|p|le, alike but for their first pieces. The stage-7 models
confused exactly such words (on their own training conversations, "double that" written as `* 3`,
"triple that" as `* 2`). This script appends BPE merges that build each chosen word whole, with and
without its leading space, left to right from its current pieces. Merges are appended after all
existing ones, so every other text tokenizes as before unless it contains a chosen word's pieces in
the same order; Python (tinytok) and transformers.js apply the same ranks, and
verify-with-transformers.mjs checks that they agree.

Words are chosen from the training data only (the generator of `--data-version`, its own seed): the
most frequent lowercase words of user messages that are at least `--min-pieces` pieces today and belong to a
training follow-up or thanks frame (the words that decide what a follow-up means). No dev or held-out wording
is read. Each new token's embedding (tied with the output layer) starts as the mean of
its pieces' embeddings, so the model starts close to where it was.

Usage: extend_vocab.py --tokenizer-json tok.json --ckpt in.pt --out-tokenizer tok2.json --out-ckpt out.pt
"""
import argparse
import collections
import json
import os
import random
import re
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tooldata as td  # noqa: E402
from tinytok import ByteBPE, SPLIT_REGEXES, pretokenize  # noqa: E402


def training_words(seed, n):
    """Lowercase words of the user messages of n data-v15 training examples (60% conversations)."""
    mix = {"calc": 0.22, "convert": 0.22, "weather": 0.4, "notool": 0.16}
    gen = td.TrainGen(seed, noise=True, names=True, v5=True, v6=True, mix=mix, unknown_city_frac=0.6)
    cg = td.ConvGen(gen, "train", extra=td.v10_extra(), v10=True, v11=True, v13=True, v14=True, v15=True)
    r = random.Random(seed + 5)
    words = collections.Counter()
    for i in range(n):
        ex = td.conversation_example(cg.conversation(r.choice([2, 3, 4, 5]))) if i % 5 < 3 else gen.sample()
        # only lowercase runs: capitalised words are names, which split v3 spells letter by letter
        words.update(w for w in re.findall(r"(?<![A-Za-z])[a-z]+", ex["q"]))
    return words


def training_frame_words():
    """Words of the training follow-up and thanks frames (the "train" parts and the v9/v10 additions): the words
    that decide what a follow-up means. Dev and held-out frames are not read."""
    frames = []
    for table in (td.FOLLOW_WEATHER, td.FOLLOW_CALC, td.FOLLOW_CONV_VALUE, td.FOLLOW_CONV_UNIT, td.FOLLOW_TEMP,
                  td.THANKS_MT):
        part = table["train"]
        frames += sum(part.values(), []) if isinstance(part, dict) else part
    for extra in (td.FOLLOW_V9, td.FOLLOW_V10):
        frames += [f for fs in extra.values() for f in fs]
    return {w for f in frames for w in re.findall(r"[a-z]+", f.lower())}


def extend(tok, words):
    """Appends the merges that build each word whole (with and without a leading space); returns the new tokens."""
    merges, vocab = list(tok.merges), dict(tok.vocab)
    known, new_tokens = set(merges), []
    for word in words:
        for form in (word, " " + word):
            (piece,) = pretokenize(form, tok.split)
            sym = ByteBPE(merges, vocab, tok.split_regex).bpe(piece)
            while len(sym) > 1:
                a, b = sym[0], sym[1]
                if (a, b) not in known:
                    merges.append((a, b))
                    known.add((a, b))
                if a + b not in vocab:
                    vocab[a + b] = len(vocab)
                    new_tokens.append(a + b)
                sym = [a + b] + sym[2:]
    return ByteBPE(merges, vocab, tok.split_regex), new_tokens


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tokenizer-json", required=True)
    p.add_argument("--split", type=int, default=3)
    p.add_argument("--ckpt", required=True)
    p.add_argument("--out-tokenizer", required=True)
    p.add_argument("--out-ckpt", required=True)
    p.add_argument("--words", type=int, default=120, help="how many words get a token")
    p.add_argument("--min-pieces", type=int, default=3)
    p.add_argument("--min-length", type=int, default=4)
    p.add_argument("--min-count", type=int, default=20, help="in --examples training examples")
    p.add_argument("--seed", type=int, default=4711)
    p.add_argument("--examples", type=int, default=20000)
    a = p.parse_args()

    tok = ByteBPE.from_hf_json(json.load(open(a.tokenizer_json, encoding="utf-8")), SPLIT_REGEXES[a.split])
    counts = training_words(a.seed, a.examples)

    def pieces(w):
        return len(tok.bpe(pretokenize(" " + w, tok.split)[0]))

    # a made-up noise word (v13) is never one of the frames' words and is rare; a real one recurs
    frame_words = training_frame_words()
    chosen = [w for w, c in counts.most_common()
              if len(w) >= a.min_length and pieces(w) >= a.min_pieces
              and c >= a.min_count and w in frame_words][: a.words]
    new_tok, new_tokens = extend(tok, chosen)
    old_v = len(tok.vocab)
    print(f"{len(chosen)} words, {len(new_tokens)} new tokens, vocab {old_v} -> {len(new_tok.vocab)}, "
          f"merges {len(tok.merges)} -> {len(new_tok.merges)}")
    print("words:", " ".join(chosen))

    sd = torch.load(a.ckpt)
    emb = sd["model.embed_tokens.weight"]
    assert emb.shape[0] == old_v, (emb.shape, old_v)
    rows = []
    for t in new_tokens:
        ids = [tok.vocab[s] for s in tok.bpe(t)]  # the token's pieces under the old merges
        rows.append(emb[ids].mean(dim=0))
    sd = dict(sd)
    sd["model.embed_tokens.weight"] = torch.cat([emb, torch.stack(rows)])
    if "lm_head.weight" in sd:
        sd["lm_head.weight"] = sd["model.embed_tokens.weight"]
    torch.save(sd, a.out_ckpt)
    with open(a.out_tokenizer, "w", encoding="utf-8") as f:
        json.dump(new_tok.to_hf_json(), f, ensure_ascii=False)

    # every training text tokenizes the same, but for the chosen words (which are now one token each)
    for w in chosen:
        assert len(new_tok.encode(" " + w)) == 1 and len(new_tok.encode(w)) == 1, w


if __name__ == "__main__":
    main()
