"""Uniform weight average ("model soup") of checkpoints of one architecture: fine-tunes that start from the same
weights stay in one basin, and their average often generalizes better than any of them (Wortsman et al., 2022).

    /usr/bin/python3 training/average_ckpts.py --out /tmp/mt/soup.pt /tmp/mt/k1.pt /tmp/mt/k2.pt /tmp/mt/k3.pt
    # a weighted average (weights normalized to sum 1), e.g. a fine-tune pulled halfway back to its start
    /usr/bin/python3 training/average_ckpts.py --weights 1,1 --out /tmp/mt/wise50.pt /tmp/mt/stage7d.pt /tmp/mt/soup5.pt
"""
import argparse

import torch


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--weights", help="comma-separated weight per checkpoint (default: equal)")
    p.add_argument("ckpts", nargs="+")
    a = p.parse_args()
    weights = [float(w) for w in a.weights.split(",")] if a.weights else [1.0] * len(a.ckpts)
    if len(weights) != len(a.ckpts) or any(w < 0 for w in weights) or sum(weights) <= 0:
        raise SystemExit("--weights: one non-negative weight per checkpoint, not all zero")
    weights = [w / sum(weights) for w in weights]
    dicts = [torch.load(c) for c in a.ckpts]
    keys = dicts[0].keys()
    for c, d in zip(a.ckpts, dicts):
        if d.keys() != keys or any(d[k].shape != dicts[0][k].shape for k in keys):
            raise SystemExit(f"{c}: not the architecture of {a.ckpts[0]}")
    torch.save({k: sum(w * d[k].double() for w, d in zip(weights, dicts)).to(dicts[0][k].dtype) for k in keys}, a.out)
    print(f"averaged {len(dicts)} checkpoints (weights {', '.join(f'{w:.3f}' for w in weights)}) into {a.out}")


if __name__ == "__main__":
    main()
