#!/usr/bin/env python3
"""Recover a PyTorch state dict from an exported onnx/model.onnx, so that training can continue
from a shipped model whose checkpoint (kept in /tmp during training) is gone.

Two graphs are read. export_lean_onnx.py's (models exported from 2026-12-04) keeps Hugging Face names,
with q/k/v and gate/up packed. torch.onnx.export's (before) keeps the norms, biases and embedding under their
parameter names but folds
every Linear weight into an anonymous, transposed `onnx::MatMul_N` initializer. Which MatMul is
which is read off the graph: the MatMul nodes of a layer run in the order q, k, v, (attention
scores), o, gate, up, down; gate is the one whose output feeds a Sigmoid (SiLU). The result is
checked against reference.json (logits and greedy tokens that the training script wrote).
Usage: /usr/bin/python3 training/onnx_to_ckpt.py --model-dir models/tiny-tool-qwen --out /tmp/shipped.pt"""
import argparse
import json
import os
import sys

import onnx
import torch
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qwen2_model import Qwen2ForCausalLM  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--model-dir", default="models/tiny-tool-qwen")
p.add_argument("--out", required=True)
a = p.parse_args()

m = onnx.load(os.path.join(a.model_dir, "onnx", "model.onnx"))
inits = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in m.graph.initializer}
cfg_json = json.load(open(os.path.join(a.model_dir, "config.json")))
keys = ["vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
        "intermediate_size", "max_position_embeddings", "rms_norm_eps", "rope_theta", "tie_word_embeddings"]
cfg = {k: cfg_json[k] for k in keys}
L = cfg["num_hidden_layers"]

def from_lean_graph():
    """export_lean_onnx.py's graph keeps Hugging Face names; q/k/v and gate/up are packed, weights transposed."""
    sd = {"model.embed_tokens.weight": inits["model.embed_tokens.weight"], "model.norm.weight": inits["model.norm.weight"]}
    nq = cfg["hidden_size"]
    nkv = cfg["num_key_value_heads"] * (cfg["hidden_size"] // cfg["num_attention_heads"])
    for li in range(L):
        pre = f"model.layers.{li}."
        a = pre + "self_attn."
        qkv_w, qkv_b = inits[a + "qkv_proj.weight"].t(), inits[a + "qkv_proj.bias"]
        for name, lo, hi in (("q_proj", 0, nq), ("k_proj", nq, nq + nkv), ("v_proj", nq + nkv, nq + 2 * nkv)):
            sd[a + name + ".weight"] = qkv_w[lo:hi].contiguous()
            sd[a + name + ".bias"] = qkv_b[lo:hi].contiguous()
        sd[a + "o_proj.weight"] = inits[a + "o_proj.weight"].t().contiguous()
        gate, up = inits[pre + "mlp.gate_up_proj.weight"].t().chunk(2, 0)
        sd[pre + "mlp.gate_proj.weight"], sd[pre + "mlp.up_proj.weight"] = gate.contiguous(), up.contiguous()
        sd[pre + "mlp.down_proj.weight"] = inits[pre + "mlp.down_proj.weight"].t().contiguous()
        for name in ("input_layernorm.weight", "post_attention_layernorm.weight"):
            sd[pre + name] = inits[pre + name]
    return sd


def from_torch_export():
    """torch.onnx.export's graph (models exported before the lean graph): anonymous transposed MatMul weights."""
    consumers = {}
    for n in m.graph.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    weight_mm = [n for n in m.graph.node if n.op_type == "MatMul" and n.input[1] in inits]
    # the last weight MatMul is the (tied) lm_head
    lm = weight_mm[-1]
    assert torch.equal(inits[lm.input[1]].t(), inits["m.model.embed_tokens.weight"]), "lm_head is not tied"
    per_layer = weight_mm[:-1]
    assert len(per_layer) == 7 * L, f"expected {7 * L} weight MatMuls, found {len(per_layer)}"
    sd = {"model.embed_tokens.weight": inits["m.model.embed_tokens.weight"], "model.norm.weight": inits["m.model.norm.weight"]}
    for li in range(L):
        q, k, v, o, g1, g2, down = per_layer[7 * li:7 * li + 7]
        feeds_sigmoid = lambda n: any(c.op_type == "Sigmoid" for c in consumers.get(n.output[0], []))
        gate, up = (g1, g2) if feeds_sigmoid(g1) else (g2, g1)
        assert feeds_sigmoid(gate) and not feeds_sigmoid(up)
        pre = f"model.layers.{li}."
        for name, node in [("self_attn.q_proj", q), ("self_attn.k_proj", k), ("self_attn.v_proj", v), ("self_attn.o_proj", o),
                           ("mlp.gate_proj", gate), ("mlp.up_proj", up), ("mlp.down_proj", down)]:
            sd[pre + name + ".weight"] = inits[node.input[1]].t().contiguous()
        for name in ["self_attn.q_proj.bias", "self_attn.k_proj.bias", "self_attn.v_proj.bias",
                     "input_layernorm.weight", "post_attention_layernorm.weight"]:
            sd[pre + name] = inits["m." + pre + name]
    return sd


sd = from_lean_graph() if "model.layers.0.self_attn.qkv_proj.weight" in inits else from_torch_export()
sd["lm_head.weight"] = sd["model.embed_tokens.weight"]

model = Qwen2ForCausalLM(cfg)
model.load_state_dict(sd)
model.eval()
ref = json.load(open(os.path.join(a.model_dir, "reference.json")))
ids = ref["chat_template_tests"][ref["logits_test"]["prompt_index"]]["input_ids"]
with torch.no_grad():
    T = len(ids)
    lg, _ = model(torch.tensor([ids]), torch.arange(T)[None], torch.tril(torch.ones(T, T, dtype=torch.bool))[None, None])
got = [round(float(x), 4) for x in lg[0, -1, :8]]
want = ref["logits_test"]["last_position_logits_first8"]
err = max(abs(x - y) for x, y in zip(got, want))
assert err < 1e-3, f"recovered weights disagree with reference.json: {got} vs {want}"
assert int(lg[0, -1].argmax()) == ref["logits_test"]["greedy_next_token_id"]
torch.save({k: v for k, v in model.state_dict().items()}, a.out)
print(f"recovered {len(sd)} tensors from {a.model_dir}/onnx/model.onnx into {a.out} (max logit error {err:.1e})")
