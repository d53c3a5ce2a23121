"""Grow a checkpoint without changing what it computes (Net2Net-style), so training continues from the
shipped behaviour with more capacity instead of starting over.

- ``--intermediate N``: each MLP neuron j beyond the old width copies neuron (j mod old) (gate and up rows);
  the down-projection column of every copied neuron is divided by its number of copies, so the sum is the same.
  A little noise (``--noise``, relative to each row's scale) breaks the symmetry: exact copies would get
  identical gradients forever.
- ``--layers N``: new layers are appended after the old ones with zero output projections (o_proj, down_proj), so
  each is the identity on the residual stream until training moves them.

The output is a state dict for ``train_tiny_tool_model.py --init-ckpt`` (or ``--export-only --ckpt``) with the
matching ``--intermediate`` / ``--layers``.
"""
import argparse
import re

import torch



def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ckpt", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--intermediate", type=int, default=None)
    p.add_argument("--layers", type=int, default=None)
    p.add_argument("--noise", type=float, default=0.01)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    g = torch.Generator().manual_seed(a.seed)
    sd = torch.load(a.ckpt)
    old_layers = 1 + max(int(m.group(1)) for k in sd if (m := re.match(r"model\.layers\.(\d+)\.", k)))
    old_i = sd["model.layers.0.mlp.gate_proj.weight"].shape[0]
    new_i = a.intermediate or old_i
    new_layers = a.layers or old_layers
    assert new_i >= old_i and new_layers >= old_layers

    out = dict(sd)
    if new_i > old_i:
        src = torch.arange(new_i) % old_i
        copies = torch.bincount(src, minlength=old_i).float()
        for l in range(old_layers):
            pre = f"model.layers.{l}.mlp."
            for name in ("gate_proj", "up_proj"):
                w = sd[pre + name + ".weight"][src].clone()
                scale = w.abs().mean(dim=1, keepdim=True)
                noise = torch.randn(w.shape, generator=g) * scale * a.noise
                noise[:old_i] = 0  # the original neurons stay exact; their copies carry the noise
                out[pre + name + ".weight"] = w + noise
            d = sd[pre + "down_proj.weight"]
            out[pre + "down_proj.weight"] = (d / copies)[:, src].clone()

    for l in range(old_layers, new_layers):
        # a fresh layer: the last old layer's weights, with its outputs zeroed (identity on the residual)
        for k, v in sd.items():
            prefix = f"model.layers.{old_layers - 1}."
            if k.startswith(prefix):
                nk = f"model.layers.{l}." + k[len(prefix):]
                out[nk] = out[k].clone()
        out[f"model.layers.{l}.self_attn.o_proj.weight"].zero_()
        out[f"model.layers.{l}.mlp.down_proj.weight"].zero_()

    torch.save(out, a.out)
    print(f"{a.ckpt}: {old_layers} layers, intermediate {old_i} -> {new_layers} layers, intermediate {new_i}: {a.out}")


if __name__ == "__main__":
    main()
