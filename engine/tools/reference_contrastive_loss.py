#!/usr/bin/python3
"""Goldens of train imagebind's contrastive loss, computed with PyTorch as CLIP and ImageBind
compute it: embeddings L2-normalised (F.normalize), the text side times its learnable logit
scale exp(log_logit_scale) clamped at 100 (ImageBind's LearnableLogitScaling), logits = a @ b.T,
and the mean of the cross entropy over rows and over columns against the diagonal (open_clip's
ClipLoss). A second variant masks same-class pairs off the diagonal with -inf (class-level
positives). Writes a torch.save dict read by tests/test_imagebind_training.cpp.

    /usr/bin/python3 engine/tools/reference_contrastive_loss.py OUT.pth [--seed 3] [--batch 6] [--dim 16]
"""
import argparse

import torch
import torch.nn.functional as F


def loss_of(a, b, classes=None):
    logits = a @ b.t()
    if classes is not None:
        same = classes[:, None].eq(classes[None, :]) & ~torch.eye(len(classes), dtype=torch.bool)
        logits = logits.masked_fill(same, float("-inf"))
    labels = torch.arange(a.shape[0])
    return (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels)) / 2


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--seed", type=int, default=3)
    p.add_argument("--batch", type=int, default=6)
    p.add_argument("--dim", type=int, default=16)
    args = p.parse_args()
    g = torch.Generator().manual_seed(args.seed)
    fa = torch.randn(args.batch, args.dim, generator=g)
    fb = torch.randn(args.batch, args.dim, generator=g)
    log_scale = torch.tensor(float(torch.log(torch.tensor(1 / 0.07))))
    # Two items of class 0 and two of class 2: the masked variant leaves out their cross pairs.
    classes = torch.tensor([0, 1, 0, 2, 3, 2][: args.batch] + list(range(4, 4 + max(0, args.batch - 6))))
    out = {"fa": fa, "fb": fb, "log_logit_scale": log_scale, "classes": classes}
    for name, cls in (("plain", None), ("masked", classes)):
        xa = fa.clone().requires_grad_(True)
        xb = fb.clone().requires_grad_(True)
        ls = log_scale.clone().requires_grad_(True)
        a = F.normalize(xa, dim=-1)
        b = torch.clamp(ls.exp(), max=100) * F.normalize(xb, dim=-1)
        loss = loss_of(a, b, cls)
        loss.backward()
        out[name + ".loss"] = loss.detach()
        out[name + ".grad_fa"] = xa.grad
        out[name + ".grad_fb"] = xb.grad
        out[name + ".grad_log_logit_scale"] = ls.grad
    torch.save(out, args.out)


if __name__ == "__main__":
    main()
