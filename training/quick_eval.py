#!/usr/bin/env python3
"""Quick PyTorch-side greedy eval of a checkpoint on the held-out set (full tool loop, KV cache).
The authoritative eval is training/verify-with-transformers.mjs (transformers.js + ONNX).
Usage: /usr/bin/python3 training/quick_eval.py --ckpt /tmp/tiny-tool-qwen.ckpt.pt --limit 40"""
import argparse, json, os, random, sys, time
import torch
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tooldata as td
from qwen2_model import Qwen2ForCausalLM
from tinytok import ByteBPE, SPLIT_REGEXES

torch.set_num_threads(1)
p = argparse.ArgumentParser()
p.add_argument("--ckpt", default="/tmp/tiny-tool-qwen.ckpt.pt")
p.add_argument("--model-dir", default="models/tiny-tool-qwen")
p.add_argument("--tokenizer-json", default=None, help="default: rebuild from seed like the training script")
p.add_argument("--seed", type=int, default=1234)
p.add_argument("--train-examples", type=int, default=60000)
p.add_argument("--limit", type=int, default=40)
p.add_argument("--stride", type=int, default=1)
p.add_argument("--dev", action="store_true", help="score the dev-only frames (tooldata.dev_cases), not eval/heldout.jsonl")
p.add_argument("--probe", choices=["calc", "convert", "weather", "notool", "cities", "fixed-op"], default=None,
               help="score fresh training-distribution cases of one kind (data v5, another seed): how well a skill is "
                    "learnt, e.g. copying unseen names, apart from phrasing; 'cities': weather requests about the real "
                    "city names of tooldata.PROBE_CITIES, which no training, dev or held-out list has; 'fixed-op': "
                    "six calculations, each followed by ten training wordings of double, half and triple (60 replies): "
                    "which operation the model writes for each word")
p.add_argument("--dev-n", type=int, default=80, help="number of dev cases (tooldata.dev_cases)")
p.add_argument("--without-tools", action="store_true",
               help="prompt without the tool list (as an app that passes no tools would): only no-tool cases can pass")
p.add_argument("--split", type=int, choices=[1, 2, 3], default=None,
               help="override the tokenizer's split regex (tinytok.SPLIT_REGEXES), as the checkpoint was trained with")
p.add_argument("--variant-tools", action="store_true",
               help="give each case its own system prompt and tool list (tooldata.tool_variant, fixed seed, one that "
                    "has the tool the case needs), as apps that define their own tools would")
p.add_argument("--multi", choices=["dev", "held", "train"], default=None,
               help="score conversations turn by turn, the model's own replies fed back: dev = tooldata.dev_multiturn_cases "
                    "(checkpoint choice), held = eval/heldout-multiturn.jsonl of --model-dir, train = "
                    "tooldata.train_multiturn_cases (training wordings, --dev-seed as its seed)")
p.add_argument("--train-version", type=int, default=17,
               help="with --multi train: the data version whose generator draws the conversations (13-17)")
p.add_argument("--dpo-out", default=None,
               help="with --multi: write a DPO pair (finetune.py's format) for each wrong assistant message: the "
                    "reference message chosen, the model's rejected; the reference history is fed back instead "
                    "of the model's, so every pair's prompt is a conversation as the data has it")
p.add_argument("--max-pos", type=int, default=2048)
p.add_argument("--dev-seed", type=int, default=8642,
               help="seed of the dev conversations (--multi dev); stage 7d also scores a second dev set, seed 8643")
a = p.parse_args()

if a.tokenizer_json:
    tok = ByteBPE.from_hf_json(json.load(open(a.tokenizer_json)), SPLIT_REGEXES[a.split] if a.split else None)
else:
    import train_tiny_tool_model as T
    gen = td.Gen(a.seed)
    exs = [gen.sample() for _ in range(a.train_examples)]
    class A: pass
    args = A(); args.seed = a.seed; args.vocab_size = 1024
    tok = T.build_tokenizer(args, exs)
sd = torch.load(a.ckpt)
V, H = sd["model.embed_tokens.weight"].shape
L = 1 + max(int(k.split(".")[2]) for k in sd if k.startswith("model.layers."))
kvd = sd["model.layers.0.self_attn.k_proj.weight"].shape[0]
I = sd["model.layers.0.mlp.gate_proj.weight"].shape[0]
heads = 4
cfg = dict(vocab_size=V, hidden_size=H, num_hidden_layers=L, num_attention_heads=heads, num_key_value_heads=kvd // (H // heads),
           intermediate_size=I, max_position_embeddings=a.max_pos, rms_norm_eps=1e-6, rope_theta=10000.0, tie_word_embeddings=True)
m = Qwen2ForCausalLM(cfg)
m.load_state_dict(sd)
m.eval()
im_end, eot = tok.vocab["<|im_end|>"], tok.vocab["<|endoftext|>"]


_prefix_cache = {}


@torch.no_grad()
def greedy(text, max_new=64):
    """Greedy decoding with a KV cache; the system prefix (system prompt + tools, the same for many
    calls) is encoded and run once and its K/V reused, as the training script does."""
    ids, past, T0 = None, None, 0
    end = text.find("<|im_end|>\n")
    if text.startswith("<|im_start|>system\n") and end > 0:
        prefix = text[:end + len("<|im_end|>\n")]
        if prefix not in _prefix_cache:
            if len(_prefix_cache) > 64:
                _prefix_cache.clear()
            pids = tok.encode(prefix)
            P = len(pids)
            _, ppast = m(torch.tensor([pids]), torch.arange(P)[None], torch.tril(torch.ones(P, P, dtype=torch.bool))[None, None])
            _prefix_cache[prefix] = (P, ppast)
        T0, past = _prefix_cache[prefix]
        ids = tok.encode(text[len(prefix):])
    else:
        ids = tok.encode(text)
    n = len(ids)
    mask = (torch.arange(T0 + n)[None, :] <= (torch.arange(n) + T0)[:, None])[None, None]
    lg, past = m(torch.tensor([ids]), (torch.arange(n) + T0)[None], mask, past)
    out = []
    pos = T0 + n
    nxt = int(lg[0, -1].argmax())
    while len(out) < max_new and nxt not in (im_end, eot):
        out.append(nxt)
        lg, past = m(torch.tensor([[nxt]]), torch.tensor([[pos]]), torch.ones(1, 1, 1, pos + 1, dtype=torch.bool), past)
        pos += 1
        nxt = int(lg[0, -1].argmax())
    return tok.decode(out, skip_special=True)


import re


def args_match(exp, got):
    if not isinstance(got, dict):
        return False
    for k, v in exp["arguments"].items():
        if exp["match"].get(k) == "numeric-eval":
            try:
                if abs(td.eval_expr(str(got.get(k, ""))) - td.eval_expr(v)) > 1e-6:
                    return False
            except Exception:
                return False
        elif got.get(k) != v:
            return False
    return True


def run_turn(msgs, tools):
    """One user turn through the tool loop (at most one tool call, as the data has): (name, arguments, final text,
    messages the loop appended, the model's first reply as it wrote it)."""
    first = greedy(td.render_chat(msgs, tools, True))
    mm = re.search(r"<tool_call>\s*([\s\S]*?)\s*</tool_call>", first)
    if not mm:
        return None, None, first, [{"role": "assistant", "content": first}], first
    try:
        call = json.loads(mm.group(1))
        name, cargs = call.get("name"), call.get("arguments", {})
        res = td.run_tool(name, cargs)
    except Exception:
        name, cargs, res = "__invalid__", {}, {"error": "invalid tool call"}
    added = [{"role": "assistant", "content": "", "tool_calls": [{"function": {"name": name, "arguments": cargs}}]},
             {"role": "tool", "content": td.to_json_compact(res)}]
    final = greedy(td.render_chat(msgs + added, tools, True))
    return name, cargs, final, added + [{"role": "assistant", "content": final}], first


def dpo_pairs(msgs, e, name, cargs, final, added, first, pairs):
    """Appends a pair for the first wrong assistant message of this turn and returns (msgs, added, final) with the
    reference in place of the model's reply. A pair holds a copy of the history: the caller extends msgs in place."""
    tools = td.TOOLS
    history = list(msgs)
    if e["tool"] is None:
        if not all(x in final for x in e["answerIncludes"]) or name is not None:
            pairs.append({"messages": history, "tools": tools, "chosen": e["referenceAnswer"], "rejected": first})
        return msgs, td.reference_turn(e), e["referenceAnswer"]
    ref = td.reference_turn(e)
    if name != e["tool"] or not args_match(e, cargs):
        pairs.append({"messages": history, "tools": tools, "chosen": ref[0], "rejected": first})
    elif not all(x in final for x in e["answerIncludes"]):
        # added ends with the model's answer: the prompt is the call and its result
        pairs.append({"messages": history + added[:-1], "tools": tools, "chosen": e["referenceAnswer"], "rejected": final})
    return msgs, ref, e["referenceAnswer"]


if a.probe == "fixed-op":
    firsts = [("what is 12 * 7?", "12 * 7", 84), ("what is 45 + 19?", "45 + 19", 64), ("compute 300 / 4", "300 / 4", 75),
              ("how much is 1250 - 380?", "1250 - 380", 870), ("what's 33 * 21?", "33 * 21", 693),
              ("calculate 9 + 8", "9 + 8", 17)]
    wordings = {"double that": "* 2", "now double it": "* 2", "twice that?": "* 2", "double it please": "* 2",
                "half of that?": "/ 2", "halve it": "/ 2", "what's half of that?": "/ 2",
                "triple that": "* 3", "three times that?": "* 3", "make it triple": "* 3"}
    right = 0
    for w, want in wordings.items():
        got = {}
        for q, expr, R in firsts:
            msgs = [{"role": "user", "content": q},
                    {"role": "assistant", "content": "",
                     "tool_calls": [{"function": {"name": "calculator", "arguments": {"expression": expr}}}]},
                    {"role": "tool", "content": td.to_json_compact({"result": R})},
                    {"role": "assistant", "content": f"{expr} = {R}."}, {"role": "user", "content": w}]
            out = greedy(td.render_chat(msgs, td.TOOLS, True))
            call = re.search(r'"expression": "([^"]*)"', out)
            op = call.group(1)[len(str(R)) + 1:] if call and call.group(1).startswith(f"{R} ") else "other"
            got[op] = got.get(op, 0) + 1
            right += op == want
        print(f"{w:<22} want {want}: {got}")
    print(f"fixed-operand probe: {right} of {len(firsts) * len(wordings)} right")
    sys.exit(0)
if a.multi:
    convs = (td.dev_multiturn_cases(a.dev_n, seed=a.dev_seed) if a.multi == "dev" else
             td.train_multiturn_cases(a.dev_n, seed=a.dev_seed, version=a.train_version) if a.multi == "train" else
             [json.loads(l) for l in open(os.path.join(a.model_dir, "eval/heldout-multiturn.jsonl"))])[::a.stride][:a.limit]
    pairs = [] if a.dpo_out else None
    by_kind, tot = {}, [0, 0, 0, 0, 0]  # turns, tool, args (of tool turns), tool turns, answer
    t0 = time.time()
    for c in convs:
        msgs = [{"role": "system", "content": c["system"]}] if c.get("system") else []
        for t in c["turns"]:
            msgs.append({"role": "user", "content": t["user"]})
            e = t["expected"]
            name, cargs, final, added, first = run_turn(msgs, td.TOOLS)
            tool_ok = name == e["tool"]
            args_ok = tool_ok and (e["tool"] is None or args_match(e, cargs))
            ok = args_ok and all(x in final for x in e["answerIncludes"])
            k = by_kind.setdefault(t["kind"], [0, 0])
            k[0] += 1
            k[1] += ok
            tot[0] += 1
            tot[1] += tool_ok
            tot[2] += args_ok and e["tool"] is not None
            tot[3] += e["tool"] is not None
            tot[4] += ok
            if not ok:
                print("FAIL", c["id"], t["kind"], repr(t["user"]), "|", name, json.dumps(cargs), "|", repr(final),
                      "| expected", e["referenceAnswer"])
            if pairs is not None:
                msgs, added, final = dpo_pairs(msgs, e, name, cargs, final, added, first, pairs)
            msgs += added if c.get("history", "full") == "full" else [{"role": "assistant", "content": final}]
    if pairs is not None:
        with open(a.dpo_out, "w") as f:
            for row in pairs:
                # a prompt ends with the message answered: the user's, or the tool result before the answer
                assert row["messages"][-1]["role"] in ("user", "tool"), row["messages"][-1]
                # and every earlier user message has its reply
                roles = [m["role"] for m in row["messages"]]
                assert all(not (x == y == "user") for x, y in zip(roles, roles[1:])), roles
                f.write(json.dumps(row) + "\n")
        print(f"{len(pairs)} DPO pairs -> {a.dpo_out}")
    print("per kind: " + ", ".join(f"{k} {v[1]}/{v[0]}" for k, v in sorted(by_kind.items())))
    print(f"conversations {len(convs)} turns {tot[0]} tool_acc {tot[1] / tot[0]:.3f} args_acc {tot[2] / max(1, tot[3]):.3f} "
          f"turn_acc {tot[4] / tot[0]:.3f} ({time.time() - t0:.0f}s)")
    sys.exit(0)
if a.probe:
    pg = td.TrainGen(13579, noise=True, names=True, v5=True)
    if a.probe == "cities":
        def city_case(i):
            city = td.PROBE_CITIES[i % len(td.PROBE_CITIES)]
            q = pg.r.choice(td.WEATHER_TRAIN + td.WEATHER_V2).format(c=city)
            return dict(q=q, tool="get_weather", args={"city": city}, result={"error": "unknown city"},
                        answer=f"Sorry, I don't have weather data for {city}.", includes=[city], novel=False)
        cases = [td.heldout_case(i + 1, city_case(i)) for i in range(a.limit)]
    else:
        cases = [td.heldout_case(i + 1, pg.sample(a.probe)) for i in range(a.limit)]
else:
    cases = (td.dev_cases(a.dev_n) if a.dev else [json.loads(l) for l in open(os.path.join(a.model_dir, "eval/heldout.jsonl"))])[::a.stride][:a.limit]
ok_tool = ok_ans = 0
vrng = random.Random(8642)
t0 = time.time()
for c in cases:
    msgs = list(c["messages"])
    tools = None if a.without_tools else td.TOOLS
    if a.variant_tools:
        need = td.TOOL_KIND.get(c["expected"]["tool"], "notool")
        system, tools, kinds = td.tool_variant(vrng)
        while need not in kinds:
            system, tools, kinds = td.tool_variant(vrng)
        if system is not None:
            msgs = [{"role": "system", "content": system}] + msgs
    first = greedy(td.render_chat(msgs, tools, True))
    mm = re.search(r"<tool_call>\s*([\s\S]*?)\s*</tool_call>", first)
    name, final = None, first
    if mm:
        try:
            call = json.loads(mm.group(1))
            name = call.get("name")
            res = td.run_tool(name, call.get("arguments", {}))
        except Exception:
            name, res = "__invalid__", {"error": "bad"}
        msgs += [{"role": "assistant", "content": "", "tool_calls": [{"function": {"name": name, "arguments": call.get("arguments", {}) if name != "__invalid__" else {}}}]},
                 {"role": "tool", "content": td.to_json_compact(res)}]
        final = greedy(td.render_chat(msgs, tools, True))
    e = c["expected"]
    tool_ok = name == e["tool"]
    ans_ok = tool_ok and all(s in final for s in e["answerIncludes"])
    ok_tool += tool_ok
    ok_ans += ans_ok
    if not (tool_ok and ans_ok):
        print("FAIL", c["id"], repr(c["messages"][-1]["content"]), "|", repr(first), "|", repr(final), "| expected", e["referenceAnswer"])
print(f"cases {len(cases)} tool_acc {ok_tool / len(cases):.3f} answer_acc {ok_ans / len(cases):.3f} ({time.time() - t0:.0f}s)")
