#!/usr/bin/env python3
"""Writes an SFT dataset (finetune.py's format) that teaches a model its own corrections: each DPO pair of
quick_eval.py --dpo-out becomes the pair's conversation with the chosen message as the only target (earlier
assistant messages "train": false), mixed with replayed training conversations (tooldata.train_multiturn_cases,
full tool-loop history, every assistant message a target) so that what the model already does right stays.
Usage: /usr/bin/python3 training/make_correction_data.py --replay 2 --seed 4303 pairs.jsonl ... > data.jsonl"""
import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tooldata as td  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--replay", type=float, default=2.0, help="replayed conversations per correction")
p.add_argument("--seed", type=int, default=4303, help="seed of the replayed conversations")
p.add_argument("pairs", nargs="+")
a = p.parse_args()


def as_message(answer):
    return answer if isinstance(answer, dict) else {"role": "assistant", "content": answer}


def context(m):
    return {**m, "train": False} if m["role"] == "assistant" else m


rows = []
for path in a.pairs:
    for line in open(path, encoding="utf-8"):
        pair = json.loads(line)
        rows.append({"messages": [context(m) for m in pair["messages"]] + [as_message(pair["chosen"])],
                     "tools": pair.get("tools", td.TOOLS)})
n_corrections = len(rows)
want = round(n_corrections * a.replay)
cases = [c for c in td.train_multiturn_cases(want * 2, a.seed) if c["history"] == "full"][:want]
for c in cases:
    msgs = [{"role": "system", "content": c["system"]}] if c.get("system") else []
    for t in c["turns"]:
        msgs += [{"role": "user", "content": t["user"]}] + td.reference_turn(t["expected"])
    rows.append({"messages": msgs, "tools": td.TOOLS})
random.Random(a.seed).shuffle(rows)
for row in rows:
    print(json.dumps(row, ensure_ascii=False))
print(f"{n_corrections} corrections, {len(cases)} replayed conversations", file=sys.stderr)
