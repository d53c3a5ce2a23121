#!/usr/bin/env python3
"""Train the tiny tool-use model `tiny-tool-qwen` from scratch and export it for transformers.js.

Usage (see training/README.md for the exact command used for the shipped model):
  /usr/bin/python3 training/train_tiny_tool_model.py --steps 2500 --out models/tiny-tool-qwen

Pipeline: synthetic conversations (seeded) -> byte-level BPE tokenizer -> Qwen2 causal LM trained
with SFT (loss only on assistant tokens) -> ONNX (with KV cache I/O) + HF json files + reference
vectors + held-out eval set (different seed, includes phrasings never used in training).
"""
import argparse
import datetime
import json
import math
import os
import random
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tooldata as td  # noqa: E402
from qwen2_model import Qwen2ForCausalLM, export_onnx  # noqa: E402
from tinytok import ByteBPE, SPECIAL_TOKENS, NONSPECIAL_ADDED, SPLIT_REGEXES  # noqa: E402

torch.set_num_threads(1)


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--out", default="models/tiny-tool-qwen")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--eval-seed", type=int, default=98765)
    p.add_argument("--train-examples", type=int, default=60000)
    p.add_argument("--data-version", type=int, default=1, choices=[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17],
                   help="1: the v1 frames only; 2: v1 plus the training-only augmentation in tooldata.TrainGen; "
                        "3: v2 plus filler words around requests and more long numbers; 4: v3 plus more unknown "
                        "and made-up city names; 5: v4 plus varied unit orders (CONV_V5) and half of the weather requests "
                        "unknown names; 6: v5 plus weather requests in other words (WEATHER_V6); 7: v6 with a system prompt "
                        "and tool list that vary from step to step (tooldata.tool_variant); 8: v7 plus multi-turn conversations "
                        "(tooldata.ConvGen, --multi-frac of the examples); 9: v8 with more "
                        "training wordings of follow-ups and thanks (tooldata.FOLLOW_V9); 10: v9 plus FOLLOW_V10 and "
                        "OOS_V10, and more follow-ups, social and out-of-scope turns after tool turns; 11: v10 with more same-tool "
                        "turns (conversions reusing the previous units in another order, bare expressions) and unit follow-ups; "
                        "12: v11 with follow-ups at 38%% and longer numbers in +/- follow-ups; 13: v11 plus made-up "
                        "words around follow-ups; 14: v13 plus fixed-operand follow-ups after conversions and more of "
                        "them after calculations; 15: v14 plus out-of-scope requests after calculations; 16: v15 plus "
                        "longer numbers in +/- follow-ups and contrasting fixed-operand follow-ups; 17: v16 plus typos "
                        "in follow-up frames")
    p.add_argument("--multi-frac", type=float, default=0.5,
                   help="data v8: the share of training examples that are conversations of 2-5 turns")
    p.add_argument("--text-history-frac", type=float, default=0.25,
                   help="data v8: the share of conversations whose earlier tool turns are kept as answer text only")
    p.add_argument("--max-batch-tokens", type=int, default=0,
                   help="cap batch x padded length (the batch shrinks for long conversations, at least 4); 0: no cap")
    p.add_argument("--mix", default=None,
                   help="data v5: the share of each kind of example, e.g. calc=0.1,convert=0.1,weather=0.7,notool=0.1 "
                        "(default calc=0.26,convert=0.28,weather=0.28,notool=0.18)")
    p.add_argument("--unknown-city-frac", type=float, default=0.5,
                   help="data v5: the share of weather requests about a city outside the table (copied, not recalled)")
    p.add_argument("--tokenizer-json", default=None,
                   help="reuse this tokenizer.json instead of training one (needed to continue from a checkpoint "
                        "when the training data changed)")
    p.add_argument("--split", type=int, choices=[1, 2, 3], default=None,
                   help="pre-tokenizer split regex (tinytok.SPLIT_REGEXES): 1 glues a space onto any word, 2 splits "
                        "capitals and the space before them off, 3 (shipped) also spells capitalised words letter by "
                        "letter, so unseen names are copied; default: the one in --tokenizer-json, or 1 for a new tokenizer")
    p.add_argument("--eval-cases", type=int, default=250)
    p.add_argument("--vocab-size", type=int, default=1024)
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--kv-heads", type=int, default=2)
    p.add_argument("--intermediate", type=int, default=384)
    p.add_argument("--max-pos", type=int, default=1024)
    p.add_argument("--rope-theta", type=float, default=10000.0)
    p.add_argument("--steps", type=int, default=2500)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--warmup", type=int, default=100)
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument("--ckpt", default="/tmp/tiny-tool-qwen.ckpt.pt")
    p.add_argument("--export-only", action="store_true", help="skip training, export from --ckpt")
    p.add_argument("--init-ckpt", default=None, help="continue training from this checkpoint (stage 2)")
    p.add_argument("--short-prefix-frac", type=float, default=0.0,
                   help="curriculum: at progress 0 this fraction of steps uses the short system prompt without the "
                        "tool list (easier to learn to attend to the user turn); decays linearly to 0 at --short-prefix-until")
    p.add_argument("--short-prefix-until", type=float, default=0.7)
    p.add_argument("--no-tools-frac", type=float, default=0.0,
                   help="this fraction of steps trains on no-tool examples only (greetings, thanks, out of scope) "
                        "under the system prompt without a tool list, so that the model also answers plainly when "
                        "an app calls it without tools; stages that never saw that prompt answer 'hi' with a stray "
                        "</tool_call>")
    p.add_argument("--save-every", type=int, default=250)
    p.add_argument("--keep-snapshots", action="store_true", help="also keep a <ckpt>-step<N>.pt file at every save")
    p.add_argument("--note", default=None, help="free-text provenance note stored in training.json")
    p.add_argument("--log-every", type=int, default=50)
    p.add_argument("--max-train-minutes", type=float, default=42.0,
                   help="wall-time budget; the LR schedule follows max(step/steps, time/budget) and stops at 1")
    return p.parse_args()


def build_tokenizer(args, train_exs):
    rng = random.Random(args.seed + 1)
    corpus = [td.render_system(td.TOOLS)] * 20
    for ex in train_exs[:8000]:
        corpus.append("".join(s for s, _ in td.conversation_segments(ex, rng)))  # (v1-v7 data: single turns)
    n_merges = args.vocab_size - 256 - len(SPECIAL_TOKENS) - len(NONSPECIAL_ADDED)
    return ByteBPE.train(corpus, n_merges)


def encode_example(tok, ex, rng):
    ids, tgt = [], []
    segs = td.multi_segments(ex, rng) if ex["tool"] == "multi" else td.conversation_segments(ex, rng)
    for text, is_target in segs:
        t = tok.encode(text)
        ids += t
        tgt += [is_target] * len(t)
    return ids, tgt


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=2)
        f.write("\n")


def main():
    args = parse()
    t_start = time.time()
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    out = args.out
    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    os.makedirs(os.path.join(out, "eval"), exist_ok=True)

    # ---------------------------------------------------------------- data
    if args.data_version >= 2:
        td.assert_no_heldout_frames()
    mix = None
    if args.mix:
        mix = {k: float(v) for k, v in (kv.split("=") for kv in args.mix.split(","))}
        assert set(mix) == {"calc", "convert", "weather", "notool"} and abs(sum(mix.values()) - 1) < 1e-6, args.mix
    gen = (td.TrainGen(args.seed, noise=args.data_version >= 3, names=args.data_version >= 4,
                       v5=args.data_version >= 5, mix=mix, unknown_city_frac=args.unknown_city_frac,
                       v6=args.data_version >= 6)
           if args.data_version >= 2 else td.Gen(args.seed))
    train_exs = [gen.sample() for _ in range(args.train_examples)]
    if args.data_version >= 8:
        td.assert_no_heldout_multiturn()
        if args.data_version >= 9:
            td.assert_no_heldout_v9()
        if args.data_version >= 10:
            td.assert_no_heldout_v10()
        extra = td.v10_extra() if args.data_version >= 10 else td.v9_extra() if args.data_version >= 9 else None
        cg = td.ConvGen(gen, "train", extra=extra, v10=args.data_version >= 10, v11=args.data_version >= 11,
                         v12=args.data_version == 12, v13=args.data_version >= 13,
                         v14=args.data_version >= 14, v15=args.data_version >= 15,
                         v16=args.data_version >= 16, v17=args.data_version >= 17)
        crng = random.Random(args.seed + 5)
        n_multi = round(args.train_examples * args.multi_frac)
        for i in range(n_multi):  # replaces single exchanges, so the example count stays --train-examples
            n_turns = crng.choices([2, 3, 4, 5], [0.35, 0.3, 0.25, 0.1])[0]  # shorter ones are cheaper to train
            train_exs[i] = td.conversation_example(cg.conversation(n_turns),
                                                   text_history=crng.random() < args.text_history_frac)
    train_queries = {ex["q"] for ex in train_exs}

    egen = td.Gen(args.eval_seed, held=True)
    n = args.eval_cases
    counts = {"calc": round(n * 0.30), "convert": round(n * 0.25), "weather": round(n * 0.25)}
    counts["notool"] = n - sum(counts.values())
    cases = []
    for kind, c in counts.items():
        k = 0
        while k < c:
            ex = egen.sample(kind)
            cases.append(ex)
            k += 1
    with open(os.path.join(out, "eval", "heldout.jsonl"), "w", encoding="utf-8") as f:
        for i, ex in enumerate(cases):
            case = td.heldout_case(i + 1, ex)
            case["seenInTraining"] = ex["q"] in train_queries
            f.write(json.dumps(case, ensure_ascii=False) + "\n")
    mt_cases = td.heldout_multiturn_cases()
    with open(os.path.join(out, "eval", "heldout-multiturn.jsonl"), "w", encoding="utf-8") as f:
        for c in mt_cases:
            f.write(json.dumps(c, ensure_ascii=False) + "\n")
    print(f"multi-turn eval: {len(mt_cases)} conversations, {sum(len(c['turns']) for c in mt_cases)} turns", flush=True)
    print(f"eval cases: {len(cases)}, novel phrasing: {sum(c['novel'] for c in cases)}, "
          f"exact query seen in training: {sum(c['q'] in train_queries for c in cases)}", flush=True)

    # ---------------------------------------------------------------- tokenizer
    t0 = time.time()
    if args.tokenizer_json:
        tj = json.load(open(args.tokenizer_json, encoding="utf-8"))
        tok = ByteBPE.from_hf_json(tj, SPLIT_REGEXES[args.split] if args.split else None)
    else:
        tok = build_tokenizer(args, train_exs)
        if args.split:
            tok = ByteBPE(tok.merges, tok.vocab, SPLIT_REGEXES[args.split])
    vocab_size = len(tok.vocab)
    print(f"tokenizer: vocab {vocab_size}, merges {len(tok.merges)} ({time.time() - t0:.1f}s)", flush=True)
    prefix_text = td.render_system(td.TOOLS)
    prefix = tok.encode(prefix_text)
    P = len(prefix)
    rng = random.Random(args.seed + 2)
    data = [encode_example(tok, ex, rng) for ex in train_exs]
    maxlen = max(len(d[0]) for d in data)
    print(f"prefix tokens {P}, max conversation tokens {maxlen}, total max {P + maxlen}", flush=True)
    assert P + maxlen + 64 < args.max_pos
    # consistency: segment-wise encoding == whole-text encoding
    for ex in train_exs[:200]:
        r1 = random.Random(5)
        segs = td.multi_segments(ex, r1) if ex["tool"] == "multi" else td.conversation_segments(ex, r1)
        whole = tok.encode(prefix_text + "".join(s for s, _ in segs))
        r2 = random.Random(5)
        assert whole == prefix + encode_example(tok, ex, r2)[0]

    im_start, im_end, eot = (tok.vocab[t] for t in ["<|im_start|>", "<|im_end|>", "<|endoftext|>"])
    cfg = {
        "vocab_size": vocab_size, "hidden_size": args.hidden, "num_hidden_layers": args.layers,
        "num_attention_heads": args.heads, "num_key_value_heads": args.kv_heads,
        "intermediate_size": args.intermediate, "max_position_embeddings": args.max_pos,
        "rms_norm_eps": 1e-6, "rope_theta": args.rope_theta, "tie_word_embeddings": True,
    }
    model = Qwen2ForCausalLM(cfg)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"parameters: {n_params}", flush=True)

    # ---------------------------------------------------------------- training
    train_info = {}
    if args.init_ckpt and not args.export_only:
        model.load_state_dict(torch.load(args.init_ckpt))
        print(f"initialized from {args.init_ckpt}", flush=True)
    if not args.export_only:
        opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.98), weight_decay=args.weight_decay)
        short_prefix = tok.encode(td.render_system(None))
        prefixes = {}
        for name, pf in (("full", prefix), ("short", short_prefix)):
            n_ = len(pf)
            prefixes[name] = (torch.tensor([pf]), torch.arange(n_)[None], torch.tril(torch.ones(n_, n_, dtype=torch.bool))[None, None], n_)
        n_short = 0
        brng = random.Random(args.seed + 3)
        t_train = time.time()
        ema = None
        losses = []
        order = sorted(range(len(data)), key=lambda i: len(data[i][0]))  # length bucketing
        notool_idx = [i for i, ex in enumerate(train_exs) if ex["tool"] is None]
        kind_of = [td.TOOL_KIND.get(ex["tool"], "notool") if ex["tool"] != "multi" else "multi" for ex in train_exs]
        tool_idx = [i for i, k in enumerate(kind_of) if k not in ("notool", "multi")]
        n_multi_seen = n_samples = 0
        vrng = random.Random(args.seed + 4)  # its own stream, so v1-v6 runs draw their batches as before
        variant_prefixes, missing_tool = {}, {}
        n_variant = 0

        def variant_prefix(system, tools):
            key = json.dumps([system, tools])
            if key not in variant_prefixes:
                if len(variant_prefixes) > 4096:
                    variant_prefixes.clear()
                pf = tok.encode(td.render_system(tools, system))
                variant_prefixes[key] = (torch.tensor([pf]), torch.arange(len(pf))[None],
                                         torch.tril(torch.ones(len(pf), len(pf), dtype=torch.bool))[None, None], len(pf))
            return variant_prefixes[key]

        def without_tool(i):
            if i not in missing_tool:
                missing_tool[i] = encode_example(tok, td.without_tool(train_exs[i]), vrng)
            return missing_tool[i]

        n_no_tools = 0
        budget = args.max_train_minutes * 60
        step = 0
        while True:
            step += 1
            progress = max(step / args.steps, (time.time() - t_train) / budget)
            if progress > 1:
                step -= 1
                break
            lr = args.lr * (step / args.warmup if step <= args.warmup else
                            0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))
            for g in opt.param_groups:
                g["lr"] = lr
            no_tools = args.no_tools_frac > 0 and brng.random() < args.no_tools_frac
            variant = None
            if no_tools:
                picked = brng.sample(notool_idx, args.batch)
                if args.data_version >= 7:  # a third: tool requests, which a prompt without tools answers plainly
                    k = args.batch // 3
                    picked = picked[k:] + [~i for i in vrng.sample(tool_idx, k)]
            else:
                w0 = brng.randrange(len(order) - 8 * args.batch)
                window = order[w0:w0 + 8 * args.batch]
                picked = brng.sample(window, args.batch)
                if args.data_version >= 7:
                    system, tools, kinds = td.tool_variant(
                        vrng, td.SYSTEM_PROMPTS_V7 + td.SYSTEM_PROMPTS_V8 if args.data_version >= 8 else None)
                    if tools is not td.TOOLS or system is not None:
                        # requests the variant's tools serve, plain ones, and some for a tool it lacks
                        # (~i: example i answered without the tool)
                        # a conversation goes with the variant when the variant serves all its tools
                        cand = [i if (kind_of[i] in kinds or (kind_of[i] == "multi" and train_exs[i]["kinds"] <= kinds))
                                else ~i for i in window
                                if kind_of[i] in kinds or (kind_of[i] == "multi" and train_exs[i]["kinds"] <= kinds)
                                or (kind_of[i] != "multi" and vrng.random() < 0.25)]
                        picked = vrng.sample(cand, args.batch) if len(cand) >= args.batch else (
                            cand + vrng.sample(notool_idx, args.batch - len(cand)))
                        variant = variant_prefix(system, tools)
                        n_variant += 1
            batch = [data[i] if i >= 0 else without_tool(~i) for i in picked]
            S = max(len(b[0]) for b in batch)
            if args.max_batch_tokens and S * len(batch) > args.max_batch_tokens:
                batch.sort(key=lambda b: len(b[0]))
                batch = batch[:max(4, args.max_batch_tokens // S)]
                S = max(len(b[0]) for b in batch)
            n_multi_seen += sum(1 for i in picked if i >= 0 and kind_of[i] == "multi")
            B = len(batch)
            n_samples += B
            ids = torch.full((B, S), eot, dtype=torch.long)
            tgt = torch.full((B, S), -100, dtype=torch.long)
            for i, (x, m) in enumerate(batch):
                ids[i, :len(x)] = torch.tensor(x)
                for j in range(len(x) - 1):
                    if m[j + 1]:
                        tgt[i, j] = x[j + 1]
            model.train()
            p_short = args.short_prefix_frac * max(0.0, 1 - progress / args.short_prefix_until)
            use_short = no_tools or brng.random() < p_short
            n_short += use_short
            n_no_tools += no_tools
            prefix_t, prefix_pos, prefix_mask, P = prefixes["short" if use_short else "full"]
            if variant is not None and not use_short:
                prefix_t, prefix_pos, prefix_mask, P = variant
            _, past = model(prefix_t, prefix_pos, prefix_mask)
            past = [(k.expand(B, -1, -1, -1), v.expand(B, -1, -1, -1)) for k, v in past]
            pos = (torch.arange(S) + P)[None].expand(B, S)
            mask = (torch.arange(P + S)[None, :] <= (torch.arange(S) + P)[:, None])[None, None]
            logits, _ = model(ids, pos, mask, past)
            loss = F.cross_entropy(logits.reshape(-1, vocab_size), tgt.reshape(-1), ignore_index=-100)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            lv = loss.item()
            losses.append(lv)
            ema = lv if ema is None else 0.98 * ema + 0.02 * lv
            if step % args.log_every == 0 or step == 1:
                el = time.time() - t_train
                print(f"{'S' if use_short else 'F'} step {step}/{args.steps} progress {progress:.3f} loss {lv:.4f} ema {ema:.4f} lr {lr:.2e} "
                      f"{el:.0f}s ({el / step:.2f}s/step)", flush=True)
            if step % args.save_every == 0:
                torch.save(model.state_dict(), args.ckpt)
                if args.keep_snapshots:  # one file per save, to compare checkpoints on the dev set
                    torch.save(model.state_dict(), f"{args.ckpt.removesuffix('.pt')}-step{step}.pt")
        train_time = time.time() - t_train
        torch.save(model.state_dict(), args.ckpt)
        train_info = {"train_wall_time_s": round(train_time, 1), "final_loss": round(losses[-1], 5),
                      "final_loss_mean_last_100": round(sum(losses[-100:]) / len(losses[-100:]), 5),
                      "steps_completed": step, "samples_seen": n_samples, "short_prefix_steps": n_short,
                      "no_tools_steps": n_no_tools, "tool_variant_steps": n_variant,
                      "conversations_seen": n_multi_seen}
        P = len(prefix)
        args.steps_completed = step
        print(f"training done in {train_time:.0f}s, final loss {losses[-1]:.4f}", flush=True)
    else:
        model.load_state_dict(torch.load(args.ckpt))
        prev = os.path.join(out, "training.json")
        if os.path.exists(prev):  # a re-export keeps the figures of the run that trained the checkpoint
            train_info = json.load(open(prev))["results"]
    model.eval()

    # ---------------------------------------------------------------- export json files
    config = {
        "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_act": "silu",
        **cfg, "attention_dropout": 0.0, "initializer_range": 0.02, "use_cache": True,
        "use_sliding_window": False, "sliding_window": None, "max_window_layers": args.layers,
        "bos_token_id": eot, "eos_token_id": im_end, "pad_token_id": eot,
        "torch_dtype": "float32", "transformers_version": "4.45.0",
        "transformers.js_config": {"dtype": "fp32", "use_external_data_format": False},
    }
    write_json(os.path.join(out, "config.json"), config)
    write_json(os.path.join(out, "generation_config.json"), {
        "bos_token_id": eot, "eos_token_id": [im_end, eot], "pad_token_id": eot,
        "do_sample": False, "max_new_tokens": 64, "transformers_version": "4.45.0"})
    write_json(os.path.join(out, "tokenizer.json"), tok.to_hf_json())
    write_json(os.path.join(out, "tokenizer_config.json"), {
        "add_bos_token": False, "add_prefix_space": False,
        "added_tokens_decoder": {str(tok.vocab[t]): {"content": t, "lstrip": False, "normalized": False, "rstrip": False,
                                                     "single_word": False, "special": t in SPECIAL_TOKENS}
                                 for t in SPECIAL_TOKENS + NONSPECIAL_ADDED},
        "additional_special_tokens": ["<|im_start|>", "<|im_end|>"],
        "bos_token": None, "eos_token": "<|im_end|>", "pad_token": "<|endoftext|>", "unk_token": None,
        "chat_template": td.CHAT_TEMPLATE, "clean_up_tokenization_spaces": False, "errors": "replace",
        "model_max_length": args.max_pos, "split_special_tokens": False, "tokenizer_class": "Qwen2Tokenizer"})
    write_json(os.path.join(out, "tools.json"), {
        "tools": td.TOOLS,
        "weather": td.WEATHER,
        "units": {"codes": td.UNITS, "dimension": td.DIMENSION, "to_base": td.TO_BASE,
                  "formula": "linear: value * to_base[from] / to_base[to]; c->f: value * 9 / 5 + 32; "
                             "f->c: (value - 32) * 5 / 9; different dimensions -> {\"error\": \"invalid units\"}"},
        "results": {
            "calculator": "{\"result\": <number>}; invalid expression or division by zero -> {\"error\": \"invalid expression\"}",
            "convert_units": "{\"result\": <number>, \"unit\": \"<to>\"}",
            "get_weather": "{\"city\": \"<city>\", \"condition\": \"...\", \"temperature_c\": <number>}; unknown city -> {\"error\": \"unknown city\"}",
        },
        "result_format": {
            "numbers": "rounded to at most 2 decimals, trailing zeros stripped: String(Math.round(x * 100) / 100) in JavaScript",
            "tool_message_content": "JSON.stringify(resultObject) (compact, key order as above); the model was also "
                                    "trained on Python json.dumps spacing (\", \" / \": \") for 30% of examples",
            "calculator_grammar": "numbers (integers/decimals), + - * /, unary minus, parentheses; standard precedence",
        },
        "answer_style": {"calculator": "<expression> = <result>.", "convert_units": "<value> <from> is <result> <to>. (c/f shown as °C/°F)",
                         "get_weather": "In <city> it is <condition> and <temperature_c>°C.",
                         "greeting": td.ANSWER_GREET, "thanks": td.ANSWER_THANKS, "out_of_scope": td.ANSWER_OOS},
        "default_system_prompt": td.DEFAULT_SYSTEM,
    })

    # ---------------------------------------------------------------- ONNX export
    onnx_path = os.path.join(out, "onnx", "model.onnx")
    export_onnx(model, onnx_path)
    print(f"exported {onnx_path} ({os.path.getsize(onnx_path)} bytes)", flush=True)

    # ---------------------------------------------------------------- reference vectors
    test_strings = ["Hello world!", "what is 12 times 7?", "convert 10 km to mi", "In Paris it is sunny and 21°C.",
                    "12 * (3 + 4) = 84.", "<tool_call>\n{\"name\": \"calculator\", \"arguments\": {\"expression\": \"12 * 7\"}}\n</tool_call>",
                    "<|im_start|>user\nhi<|im_end|>\n", "  multiple   spaces\tand\ttabs\n\nnew lines", "don't 3.14159 -42 1,000,000",
                    "naïve café Zürich 東京 🙂",
                    # capitalised words (split v3 spells them letter by letter, up to 16 letters)
                    "Sorry, I don't have weather data for Xqzville.", "{\"city\": \"New York\"} McDonald's NYC",
                    "Llanfairpwllgwyngyll Ab"]
    ref_msgs = [
        {"role": "user", "content": "what is 12 times 7?"},
        {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {"name": "calculator", "arguments": {"expression": "12 * 7"}}}]},
        {"role": "tool", "content": "{\"result\":84}"},
    ]
    ref_prompts = []
    for msgs, agp in [(ref_msgs[:1], True), (ref_msgs, True), ([{"role": "system", "content": "Be brief."}] + ref_msgs[:1], True)]:
        text = td.render_chat(msgs, td.TOOLS, add_generation_prompt=agp)
        ref_prompts.append({"messages": msgs, "tools": "tools.json#tools", "add_generation_prompt": agp,
                            "text": text, "input_ids": tok.encode(text)})
    no_tools = [{"role": "user", "content": "hi"}]
    text = td.render_chat(no_tools, None, True)
    ref_prompts.append({"messages": no_tools, "tools": None, "add_generation_prompt": True, "text": text, "input_ids": tok.encode(text)})
    # logits check for the ONNX graph (first prompt, last position, first 8 logits)
    with torch.no_grad():
        ids0 = torch.tensor([ref_prompts[0]["input_ids"]])
        Tn = ids0.shape[1]
        lg, _ = model(ids0, torch.arange(Tn)[None], torch.tril(torch.ones(Tn, Tn, dtype=torch.bool))[None, None])
        last = lg[0, -1]
        greedy = int(last.argmax())
        # greedy decoding without KV cache (full recompute each step) for the KV-cache check in JS
        gen_ids = list(ref_prompts[0]["input_ids"])
        new_ids = []
        for _ in range(48):
            Tn = len(gen_ids)
            lg2, _ = model(torch.tensor([gen_ids]), torch.arange(Tn)[None],
                           torch.tril(torch.ones(Tn, Tn, dtype=torch.bool))[None, None])
            nxt = int(lg2[0, -1].argmax())
            new_ids.append(nxt)
            gen_ids.append(nxt)
            if nxt in (im_end, eot):
                break
    write_json(os.path.join(out, "reference.json"), {
        "description": "Reference vectors produced by training/train_tiny_tool_model.py (Python tokenizer + template mirror).",
        "tokenizer_tests": [{"text": s, "input_ids": tok.encode(s)} for s in test_strings],
        "chat_template_tests": ref_prompts,
        "logits_test": {"prompt_index": 0, "last_position_logits_first8": [round(float(x), 4) for x in last[:8]],
                        "greedy_next_token_id": greedy},
        "greedy_generation_test": {"prompt_index": 0, "max_new_tokens": 48, "new_token_ids": new_ids,
                                   "text": tok.decode(new_ids, skip_special=True)},
        "special_token_ids": {"<|endoftext|>": eot, "<|im_start|>": im_start, "<|im_end|>": im_end,
                              **{t: tok.vocab[t] for t in NONSPECIAL_ADDED}},
    })

    # ---------------------------------------------------------------- provenance
    total = round(time.time() - t_start, 1)
    cmd = "/usr/bin/python3 " + " ".join([os.path.relpath(sys.argv[0], os.getcwd())] + sys.argv[1:])
    prov = {
        "name": "tiny-tool-qwen",
        "base_model": None,
        "architecture": "Qwen2ForCausalLM (trained from scratch)",
        "method": "sft",
        "dataset": {"name": f"tinyllm-synthetic-tool-use-v{args.data_version}", "generator": "training/tooldata.py", "seed": args.seed,
                    "examples": args.train_examples, "eval_set": "eval/heldout.jsonl", "eval_seed": args.eval_seed,
                    "eval_cases": len(cases), "eval_novel_phrasing_cases": sum(c["novel"] for c in cases)},
        "date": datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": cmd,
        "hyperparameters": {k: v for k, v in vars(args).items() if k not in ("out", "ckpt", "export_only", "log_every", "steps_completed", "init_ckpt", "note", "save_every", "keep_snapshots")},
        "parameters": n_params,
        "tokenizer": {"type": "byte-level BPE", "vocab_size": vocab_size, "merges": len(tok.merges), "split_regex": tok.split_regex},
        "context": {"system_prefix_tokens_with_tools": P, "max_train_conversation_tokens": maxlen},
        "software": {"torch": torch.__version__, "python": sys.version.split()[0], "onnx_opset": 17},
        "results": {"total_script_wall_time_s": total, **train_info},  # a re-export keeps the training run's figures
        "note": args.note,
        "eval": None,
    }
    prev = os.path.join(out, "training.json")
    if os.path.exists(prev):
        try:
            old = json.load(open(prev))
            if args.export_only and old.get("eval"):
                prov["eval"] = old["eval"]
            if args.export_only:
                prov["command"] = old.get("command", cmd)
                prov["date"] = old.get("date", prov["date"])
        except Exception:
            pass
    write_json(prev, prov)
    print(json.dumps(prov["results"]), flush=True)


if __name__ == "__main__":
    main()
