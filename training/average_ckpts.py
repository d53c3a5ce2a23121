"""Uniform weight average ("model soup") of checkpoints of one architecture: fine-tunes that start from the same
weights stay in one basin, and their average often generalizes better than any of them (Wortsman et al., 2022).

    /usr/bin/python3 training/average_ckpts.py --out /tmp/mt/soup.pt /tmp/mt/k1.pt /tmp/mt/k2.pt /tmp/mt/k3.pt
"""
import argparse

import torch


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("ckpts", nargs="+")
    a = p.parse_args()
    dicts = [torch.load(c) for c in a.ckpts]
    keys = dicts[0].keys()
    for c, d in zip(a.ckpts, dicts):
        if d.keys() != keys or any(d[k].shape != dicts[0][k].shape for k in keys):
            raise SystemExit(f"{c}: not the architecture of {a.ckpts[0]}")
    torch.save({k: sum(d[k].double() for d in dicts).div(len(dicts)).to(dicts[0][k].dtype) for k in keys}, a.out)
    print(f"averaged {len(dicts)} checkpoints into {a.out}")


if __name__ == "__main__":
    main()
