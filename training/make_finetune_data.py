#!/usr/bin/env python3
"""Writes a small JSONL dataset in the format training/finetune.py (and @tinyllm/trainer) reads,
from the same generator as the shipped model's training data (tooldata.TrainGen, v6 phrasings):
SFT lines {"messages": [...], "tools": [...]}, or with --dpo {"messages", "chosen", "rejected"}
pairs whose rejected answer calls the wrong tool. Nothing of the held-out set is used.
Usage: /usr/bin/python3 training/make_finetune_data.py --n 64 --seed 777 [--dpo] > data.jsonl"""
import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tooldata as td  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--n", type=int, default=64)
p.add_argument("--seed", type=int, default=777)
p.add_argument("--dpo", action="store_true")
a = p.parse_args()
gen = td.TrainGen(a.seed, noise=True, v5=True, v6=True)
rng = random.Random(a.seed)


def call(name, args):
    return {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {"name": name, "arguments": args}}]}


written = 0
while written < a.n:
    ex = gen.sample()
    user = {"role": "user", "content": ex["q"]}
    if a.dpo:
        if ex["tool"] is None:
            continue
        wrong = rng.choice([t["function"]["name"] for t in td.TOOLS if t["function"]["name"] != ex["tool"]])
        row = {"messages": [user], "chosen": call(ex["tool"], ex["args"]), "rejected": call(wrong, ex["args"]), "tools": td.TOOLS}
    elif ex["tool"] is None:
        row = {"messages": [user, {"role": "assistant", "content": ex["answer"]}], "tools": td.TOOLS}
    else:
        row = {"messages": [user, call(ex["tool"], ex["args"]),
                            {"role": "tool", "content": td.to_json_compact(ex["result"])},
                            {"role": "assistant", "content": ex["answer"]}], "tools": td.TOOLS}
    print(json.dumps(row, ensure_ascii=False))
    written += 1
