#!/usr/bin/python3
"""Times a reference-style ImageBind-LLM training step, for `ibllm-bench train --reference-python`.

The step follows the reference's training (OpenGVLab/LLaMA-Adapter imagebind_LLM:
LLaMA_adapter.forward in training mode, set_default_trainability, add_weight_decay,
torch.optim.AdamW(betas=(0.9, 0.95)), the loss divided by accum_iter and backward): PyTorch
modules, frozen base weights in the half type and the trainable set in float32, the forward
under autocast. The reference runs fp16 autocast on a GPU; on this CPU the half type is
bfloat16, the same precision the engine's bf16 training uses. The bind network turns a random
ImageBind embedding into the visual query; attention has no KV cache; LoRA and biases are
separate modules in fine-tuning and absent in pre-training, as in the reference. Weights are
random: a step's time does not depend on their values.

Needs Debian's python3-torch. Prints one JSON line on stdout; progress goes to stderr.
"""
import argparse
import json
import math
import resource
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

# The same RoPE as the decode loop's script (copied next to it by the build).
from reference_decode import apply_rope, rope_table

HALF = torch.bfloat16  # the frozen weights' type; --precision fp32 makes it float32 (no autocast)


def linear(d_in, d_out, bias):
    return nn.Linear(d_in, d_out, bias=bias, device="meta", dtype=HALF)


class RMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.empty(dim, device="meta", dtype=HALF))

    def forward(self, x):
        out = x.float() * torch.rsqrt(x.float().pow(2).mean(-1, keepdim=True) + self.eps)
        return out.type_as(x) * self.weight


class Attention(nn.Module):
    def __init__(self, dim, heads, rank, tuned):
        super().__init__()
        self.heads, self.head_dim, self.tuned = heads, dim // heads, tuned
        self.wq, self.wk = linear(dim, dim, tuned), linear(dim, dim, False)
        self.wv, self.wo = linear(dim, dim, False), linear(dim, dim, tuned)
        if tuned:
            for p in ("wq", "wk", "wv", "wo"):
                setattr(self, f"lora_{p}_l1", linear(dim, rank, False))
                setattr(self, f"lora_{p}_l2", linear(rank, dim, False))
        self.gate = nn.Parameter(torch.empty(1, heads, 1, 1, device="meta", dtype=HALF))

    def forward(self, x, table, mask, adapter):
        b, n, _ = x.shape
        q, k, v = self.wq(x), self.wk(x), self.wv(x)
        if self.tuned:
            q = q + self.lora_wq_l2(self.lora_wq_l1(x))
            k = k + self.lora_wk_l2(self.lora_wk_l1(x))
            v = v + self.lora_wv_l2(self.lora_wv_l1(x))
        q = q.view(b, n, self.heads, self.head_dim)
        k = k.view(b, n, self.heads, self.head_dim)
        v = v.view(b, n, self.heads, self.head_dim)
        q, k = apply_rope(q, table), apply_rope(k, table)
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.head_dim) + mask
        out = torch.matmul(F.softmax(scores.float(), dim=-1).type_as(q), v)
        adapter_v = self.wv(adapter).view(b, 1, self.heads, self.head_dim).transpose(1, 2)
        out = out + self.gate.tanh() * adapter_v
        out = out.transpose(1, 2).contiguous().view(b, n, -1)
        if self.tuned:
            return self.wo(out) + self.lora_wo_l2(self.lora_wo_l1(out))
        return self.wo(out)


class FeedForward(nn.Module):
    def __init__(self, dim, hidden, rank, tuned):
        super().__init__()
        self.tuned = tuned
        self.w1, self.w2, self.w3 = linear(dim, hidden, tuned), linear(hidden, dim, tuned), linear(dim, hidden, tuned)
        if tuned:
            self.lora_w1_l1, self.lora_w1_l2 = linear(dim, rank, False), linear(rank, hidden, False)
            self.lora_w2_l1, self.lora_w2_l2 = linear(hidden, rank, False), linear(rank, dim, False)
            self.lora_w3_l1, self.lora_w3_l2 = linear(dim, rank, False), linear(rank, hidden, False)

    def forward(self, x):
        if self.tuned:
            h = F.silu(self.w1(x) + self.lora_w1_l2(self.lora_w1_l1(x))) * (self.w3(x) + self.lora_w3_l2(self.lora_w3_l1(x)))
            return self.w2(h) + self.lora_w2_l2(self.lora_w2_l1(h))
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class Block(nn.Module):
    def __init__(self, dim, heads, hidden, rank, tuned):
        super().__init__()
        self.attention = Attention(dim, heads, rank, tuned)
        self.feed_forward = FeedForward(dim, hidden, rank, tuned)
        self.attention_norm, self.ffn_norm = RMSNorm(dim), RMSNorm(dim)

    def forward(self, x, table, mask, adapter):
        h = x + self.attention(self.attention_norm(x), table, mask, adapter)
        return h + self.feed_forward(self.ffn_norm(h))


class LlamaAdapter(nn.Module):
    def __init__(self, a, tuned):
        super().__init__()
        hidden = int(2 * 4 * a.dim / 3)
        hidden = a.multiple_of * ((hidden + a.multiple_of - 1) // a.multiple_of)
        d = a.dim
        self.image_bind_proj = linear(a.visual_dim, d, True)
        for i in (1, 2, 3):
            setattr(self, f"image_bind_norm_{i}", RMSNorm(d))
            setattr(self, f"image_bind_f1_{i}", linear(d, 4 * d, False))
            setattr(self, f"image_bind_f2_{i}", linear(4 * d, d, False))
            setattr(self, f"image_bind_f3_{i}", linear(d, 4 * d, False))
        self.tok_embeddings = nn.Embedding(a.vocab, d, device="meta", dtype=HALF)
        self.layers = nn.ModuleList(Block(d, a.heads, hidden, a.lora_rank, tuned) for _ in range(a.layers))
        self.norm = RMSNorm(d)
        self.output = linear(d, a.vocab, False)
        self.prefix_query = nn.Embedding(a.layers, d, device="meta", dtype=HALF)
        self.rope = rope_table(d // a.heads, 2 * a.max_words)
        self.vocab = a.vocab

    def visual(self, feats):
        x = self.image_bind_proj(F.normalize(feats, dim=-1).unsqueeze(1))
        for i in (1, 2, 3):
            n = getattr(self, f"image_bind_norm_{i}")(x)
            x = x + getattr(self, f"image_bind_f2_{i}")(F.silu(getattr(self, f"image_bind_f1_{i}")(n)) * getattr(self, f"image_bind_f3_{i}")(n))
        return x

    def forward(self, tokens, labels, feats):
        visual = self.visual(feats)
        b, n = tokens.shape
        h = self.tok_embeddings(tokens)
        mask = torch.full((1, 1, n, n), float("-inf")).triu(1).type_as(h)
        table = self.rope[:n]
        prefix = self.prefix_query.weight.reshape(len(self.layers), 1, 1, -1)
        for i, layer in enumerate(self.layers):
            h = layer(h, table, mask, visual + prefix[i])
        logits = self.output(self.norm(h))[:, :-1, :]
        return F.cross_entropy(logits.reshape(-1, self.vocab).float(), labels[:, 1:].flatten(), ignore_index=0)


def trainable(phase, name):
    """get_trainable_params: the LLaMA's norms, biases and LoRA, or its gates plus the bind network and prefix queries."""
    llama = not (name.startswith("image_bind_") or name.startswith("prefix_query"))
    if phase == "finetune":
        return llama and ("norm" in name or "bias" in name or "lora" in name)
    return not llama or "gate" in name


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for name, default in (("dim", 4096), ("layers", 32), ("heads", 32), ("multiple-of", 256), ("vocab", 32000),
                          ("lora-rank", 16), ("visual-dim", 1024), ("batch", 1), ("max-words", 512), ("steps", 2),
                          ("threads", 0), ("seed", 0)):
        p.add_argument("--" + name, type=int, default=default)
    p.add_argument("--phase", choices=("pretrain", "finetune"), default="finetune")
    p.add_argument("--precision", choices=("bf16", "fp32"), default="bf16")
    a = p.parse_args()
    global HALF
    if a.precision == "fp32":
        HALF = torch.float32
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    t0 = time.perf_counter()
    model = LlamaAdapter(a, tuned=a.phase == "finetune").to_empty(device="cpu")
    params = []
    with torch.no_grad():
        for name, param in model.named_parameters():
            param.fill_(1.0) if name.endswith("norm.weight") else param.uniform_(-0.02, 0.02)
            param.requires_grad = False
    # set_default_trainability: the trainable set in float32, the rest frozen in the half type.
    for name, param in model.named_parameters():
        if trainable(a.phase, name):
            param.data = param.data.float()
            param.requires_grad = True
            params.append((name, param))
    decay = [p for n, p in params if not (p.dim() == 1 or n.endswith(".bias"))]
    no_decay = [p for n, p in params if p.dim() == 1 or n.endswith(".bias")]
    optimizer = torch.optim.AdamW([{"params": no_decay, "weight_decay": 0.0}, {"params": decay, "weight_decay": 0.05}],
                                  lr=1e-4, betas=(0.9, 0.95))
    print(f"reference: {a.phase} model built in {time.perf_counter() - t0:.1f} s", file=sys.stderr)

    tokens = torch.randint(3, a.vocab, (a.batch, a.max_words))
    labels = tokens.clone()
    labels[:, : a.max_words // 4] = 0
    feats = torch.randn(a.batch, a.visual_dim)
    times = []
    warmup = 1 if a.steps > 0 else 0  # the first step is not timed (first-call set-up), unless it is the only one
    for step in range(max(a.steps, 1) + warmup):
        t = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.precision == "bf16"):
            loss = model(tokens, labels, feats)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if step >= warmup:
            times.append(time.perf_counter() - t)
        print(f"reference: step {step} {time.perf_counter() - t:.2f} s loss {loss.item():.4f}", file=sys.stderr)
    best = min(times)
    print(json.dumps({"step_s": best, "tokens_per_s": a.batch * a.max_words / best, "threads": torch.get_num_threads(),
                      "peak_rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, "precision": a.precision, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
