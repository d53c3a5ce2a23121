#!/usr/bin/env python3
"""Writes a Qwen2 checkpoint as a lean ONNX decoder built from ONNX Runtime's contrib operators, with the same
inputs and outputs as `qwen2_model.export_onnx` (transformers.js's Qwen2 I/O), so it drops in for onnx/model.onnx.

Why: `torch.onnx.export` writes 825 nodes for this 4-layer model (331 after ONNX Runtime's own fusions), most of
them shape arithmetic for the causal mask, rotary embedding and KV concatenation. At this size a token's time is
much of it per-node overhead rather than arithmetic. Here each layer is 12 nodes (the first
layer's first norm is spelled out in standard operators, which ONNX Runtime fuses):
SkipSimplifiedLayerNormalization, one packed QKV MatMul + bias, GroupQueryAttention (rotary inside, KV cache in
and out in the same BNSH layout), o_proj, SkipSimplifiedLayerNormalization, one packed gate/up MatMul, Split,
SiLU as Sigmoid x Mul, Mul, down_proj.

Limits, checked by `verify-with-transformers.mjs` and the providers tests: batch 1 or a batch without padding
(GroupQueryAttention takes positions and lengths from the attention mask's row sums, not from `position_ids`,
which is declared so that transformers.js keeps feeding it but is unused); ONNX Runtime (Node or Web) with the
com.microsoft domain, which every ONNX Runtime build that transformers.js uses includes.

Weights keep their Hugging Face names (q/k/v and gate/up packed: `model.layers.N.self_attn.qkv_proj.weight`,
`model.layers.N.mlp.gate_up_proj.weight`, stored transposed for MatMul), so `onnx_to_ckpt.py` recovers them.
Usage: /usr/bin/python3 training/export_lean_onnx.py --ckpt /tmp/mt/wise75.pt --config models/tiny-tool-qwen/config.json --out /tmp/lean.onnx
"""
import argparse
import json

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

MS = "com.microsoft"


def build(sd, cfg):
    L = cfg["num_hidden_layers"]
    d = cfg["hidden_size"]
    nh, nkv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    hd = d // nh
    eps = cfg["rms_norm_eps"]
    max_pos = cfg["max_position_embeddings"]
    inits, nodes = [], []

    def init(name, t):
        a = t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else t
        inits.append(numpy_helper.from_array(np.ascontiguousarray(a), name))
        return name

    def node(op, ins, outs, domain="", **attrs):
        nodes.append(helper.make_node(op, ins, outs, name=f"{op}_{len(nodes)}", domain=domain, **attrs))
        return outs[0] if len(outs) == 1 else outs

    emb = init("model.embed_tokens.weight", sd["model.embed_tokens.weight"])
    inv = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.int64).float() / hd))
    freqs = torch.arange(max_pos).float()[:, None] * inv[None, :]
    cos = init("rotary.cos_cache", freqs.cos())
    sin = init("rotary.sin_cache", freqs.sin())
    init("const.one_i64", np.array([1], dtype=np.int64))
    init("const.axis1", np.array([1], dtype=np.int64))
    init("const.two", np.array(2.0, dtype=np.float32))
    init("const.eps", np.array(eps, dtype=np.float32))

    # Lengths for GroupQueryAttention from the attention mask: seqlens_k = tokens so far - 1, per row (int32),
    # total_sequence_length = the mask's width (int32 scalar).
    msum = node("ReduceSum", ["attention_mask", "const.axis1"], ["mask_sum"], keepdims=0)
    seqlens64 = node("Sub", [msum, "const.one_i64"], ["seqlens_k_i64"])
    seqlens = node("Cast", [seqlens64], ["seqlens_k"], to=TensorProto.INT32)
    mshape = node("Shape", ["attention_mask"], ["mask_shape"])
    total64 = node("Gather", [mshape, "const.one_i64"], ["total_len_1d"], axis=0)
    total = node("Cast", [total64], ["total_len_i32_1d"], to=TensorProto.INT32)
    total = node("Squeeze", [total], ["total_sequence_length"])

    x = node("Gather", [emb, "input_ids"], ["embeds"], axis=0)
    residual = x
    pending = None  # the sublayer output not yet added to the residual stream
    for i in range(L):
        p = f"model.layers.{i}."
        norm_w = init(p + "input_layernorm.weight", sd[p + "input_layernorm.weight"])
        if pending is None:
            # RMSNorm in standard operators (ONNX Runtime fuses them into one SimplifiedLayerNormalization, which
            # is not in the ONNX domain's schemas that onnx.checker knows)
            sq = node("Pow", [residual, "const.two"], [f"l{i}.sq"])
            ms = node("ReduceMean", [sq], [f"l{i}.ms"], axes=[-1], keepdims=1)
            ms = node("Add", [ms, "const.eps"], [f"l{i}.ms_eps"])
            rms = node("Sqrt", [ms], [f"l{i}.rms"])
            h = node("Div", [residual, rms], [f"l{i}.normed"])
            h = node("Mul", [h, norm_w], [f"l{i}.h_attn"])
        else:
            h, _, _, residual = node("SkipSimplifiedLayerNormalization", [pending, residual, norm_w],
                                     [f"l{i}.h_attn", "", "", f"l{i}.res_attn"], domain=MS, epsilon=eps)
        a = p + "self_attn."
        wqkv = torch.cat([sd[a + "q_proj.weight"], sd[a + "k_proj.weight"], sd[a + "v_proj.weight"]], 0)
        bqkv = torch.cat([sd[a + "q_proj.bias"], sd[a + "k_proj.bias"], sd[a + "v_proj.bias"]], 0)
        qkv = node("MatMul", [h, init(a + "qkv_proj.weight", wqkv.t())], [f"l{i}.qkv_nob"])
        qkv = node("Add", [qkv, init(a + "qkv_proj.bias", bqkv)], [f"l{i}.qkv"])
        att, _, _ = node(
            "GroupQueryAttention",
            [qkv, "", "", f"past_key_values.{i}.key", f"past_key_values.{i}.value", seqlens, total, cos, sin],
            [f"l{i}.att", f"present.{i}.key", f"present.{i}.value"],
            domain=MS, num_heads=nh, kv_num_heads=nkv, do_rotary=1, rotary_interleaved=0)
        o = node("MatMul", [att, init(a + "o_proj.weight", sd[a + "o_proj.weight"].t())], [f"l{i}.o"])
        post_w = init(p + "post_attention_layernorm.weight", sd[p + "post_attention_layernorm.weight"])
        h2, _, _, residual = node("SkipSimplifiedLayerNormalization", [o, residual, post_w],
                                  [f"l{i}.h_mlp", "", "", f"l{i}.res_mlp"], domain=MS, epsilon=eps)
        m = p + "mlp."
        wgu = torch.cat([sd[m + "gate_proj.weight"], sd[m + "up_proj.weight"]], 0)
        gu = node("MatMul", [h2, init(m + "gate_up_proj.weight", wgu.t())], [f"l{i}.gu"])
        g, u = node("Split", [gu], [f"l{i}.g", f"l{i}.u"], axis=-1)
        sg = node("Sigmoid", [g], [f"l{i}.sg"])
        act = node("Mul", [g, sg], [f"l{i}.silu"])
        act = node("Mul", [act, u], [f"l{i}.act"])
        pending = node("MatMul", [act, init(m + "down_proj.weight", sd[m + "down_proj.weight"].t())], [f"l{i}.down"])
    final_w = init("model.norm.weight", sd["model.norm.weight"])
    hf, _, _, _ = node("SkipSimplifiedLayerNormalization", [pending, residual, final_w],
                       ["final_h", "", "", "final_res"], domain=MS, epsilon=eps)
    # tied lm_head: the embedding itself, transposed inside the MatMul (no second copy in the file)
    node("FusedMatMul", [hf, emb], ["logits"], domain=MS, transB=1)

    f32, i64 = TensorProto.FLOAT, TensorProto.INT64
    inputs = [helper.make_tensor_value_info("input_ids", i64, ["batch_size", "sequence_length"]),
              helper.make_tensor_value_info("attention_mask", i64,
                                            ["batch_size", "past_sequence_length + sequence_length"]),
              helper.make_tensor_value_info("position_ids", i64, ["batch_size", "sequence_length"])]
    outputs = [helper.make_tensor_value_info("logits", f32, ["batch_size", "sequence_length", cfg["vocab_size"]])]
    for i in range(L):
        for kv in ("key", "value"):
            inputs.append(helper.make_tensor_value_info(f"past_key_values.{i}.{kv}", f32,
                                                        ["batch_size", nkv, "past_sequence_length", hd]))
            outputs.append(helper.make_tensor_value_info(f"present.{i}.{kv}", f32,
                                                         ["batch_size", nkv, "past_sequence_length + sequence_length", hd]))
    graph = helper.make_graph(nodes, "qwen2-lean", inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(MS, 1)],
                              producer_name="tinyllm training/export_lean_onnx.py")
    model.ir_version = 8
    return model


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--config", required=True, help="the model folder's config.json")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    sd = torch.load(a.ckpt)
    cfg = json.load(open(a.config))
    if "model.embed_tokens.weight" not in sd:
        raise SystemExit("not a Qwen2 state dict: no model.embed_tokens.weight")
    model = build(sd, cfg)
    onnx.checker.check_model(model)
    onnx.save(model, a.out)
    print(f"wrote {a.out}: {len(model.graph.node)} nodes")


if __name__ == "__main__":
    main()
