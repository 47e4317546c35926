#!/usr/bin/python3
"""Times a reference-style LLaMA decode loop, for `ibllm-bench --reference-python`.

The loop follows the algorithm of the ImageBind-LLM reference inference (PyTorch modules,
bf16 weights, a KV cache held per attention layer, complex-number RoPE, RMSNorm in float32,
SwiGLU feed-forward, LoRA branches and biases evaluated on every call, and the visual
query's value added in every layer through the layer's own wv), so that the benchmark can
compare the engine with what the reference algorithm achieves on the same CPU, shape and
dtype. The weights are random: the time of a decode step does not depend on their values.

Needs Debian's python3-torch. Prints one JSON line on stdout; progress goes to stderr.
"""
import argparse
import json
import math
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn


def rope_table(head_dim, length, theta=10000.0):
    """Unit complex numbers e^(i * pos * freq) per position and frequency pair."""
    freqs = 1.0 / theta ** (torch.arange(0, head_dim, 2).float() / head_dim)
    angles = torch.outer(torch.arange(length).float(), freqs)
    return torch.polar(torch.ones_like(angles), angles)


def apply_rope(x, table):
    """Rotates feature pairs of x [batch, seq, heads, head_dim] by the table rows [seq, head_dim/2]."""
    as_complex = torch.view_as_complex(x.float().reshape(*x.shape[:-1], -1, 2))
    rotated = as_complex * table.view(1, table.shape[0], 1, table.shape[1])
    return torch.view_as_real(rotated).flatten(3).type_as(x)


# Every parameter is made on the meta device in bf16 and only then given storage, so that
# 7B never passes through float32 (27 GB).
KW = {"device": "meta", "dtype": torch.bfloat16}


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.empty(dim, **KW))

    def forward(self, x):
        xf = x.float()
        normed = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps)
        return normed.type_as(x) * self.weight


class TunedLinear(nn.Module):
    """A base projection plus its low-rank (LoRA) update, both computed on every call."""

    def __init__(self, d_in, d_out, rank, bias):
        super().__init__()
        self.base = nn.Linear(d_in, d_out, bias=bias, **KW)
        self.down = nn.Linear(d_in, rank, bias=False, **KW)
        self.up = nn.Linear(rank, d_out, bias=False, **KW)

    def forward(self, x):
        return self.base(x) + self.up(self.down(x))


class Attention(nn.Module):
    def __init__(self, dim, heads, rank, max_len):
        super().__init__()
        self.heads, self.head_dim = heads, dim // heads
        self.wq = TunedLinear(dim, dim, rank, bias=True)
        self.wk = TunedLinear(dim, dim, rank, bias=False)
        self.wv = TunedLinear(dim, dim, rank, bias=False)
        self.wo = TunedLinear(dim, dim, rank, bias=True)
        self.gate = nn.Parameter(torch.empty(1, heads, 1, 1, **KW))
        # float32 like the reference's; moved to the activations' dtype on first use
        self.cache_k = torch.zeros(1, max_len, heads, self.head_dim)
        self.cache_v = torch.zeros(1, max_len, heads, self.head_dim)

    def forward(self, x, start, table, mask, visual):
        b, n, _ = x.shape
        q = self.wq(x).view(b, n, self.heads, self.head_dim)
        k = self.wk(x).view(b, n, self.heads, self.head_dim)
        v = self.wv(x).view(b, n, self.heads, self.head_dim)
        q, k = apply_rope(q, table), apply_rope(k, table)

        self.cache_k = self.cache_k.to(q)
        self.cache_v = self.cache_v.to(q)
        self.cache_k[:b, start:start + n] = k
        self.cache_v[:b, start:start + n] = v
        keys = self.cache_k[:b, :start + n].transpose(1, 2)
        values = self.cache_v[:b, :start + n].transpose(1, 2)

        q = q.transpose(1, 2)
        scores = torch.matmul(q, keys.transpose(2, 3)) / math.sqrt(self.head_dim)
        if mask is not None:
            scores = scores + mask
        weights = F.softmax(scores.float(), dim=-1).type_as(q)
        out = torch.matmul(weights, values)

        # The visual token's value through the base wv, gated per head, on every step.
        visual_v = self.wv.base(visual).view(b, visual.shape[1], self.heads, self.head_dim).transpose(1, 2)
        out = out + self.gate.tanh() * visual_v

        out = out.transpose(1, 2).contiguous().view(b, n, -1)
        return self.wo(out)


class FeedForward(nn.Module):
    def __init__(self, dim, hidden, rank):
        super().__init__()
        self.w1 = TunedLinear(dim, hidden, rank, bias=True)
        self.w2 = TunedLinear(hidden, dim, rank, bias=True)
        self.w3 = TunedLinear(dim, hidden, rank, bias=True)

    def forward(self, x):
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class Block(nn.Module):
    def __init__(self, dim, heads, hidden, rank, eps, max_len):
        super().__init__()
        self.attention = Attention(dim, heads, rank, max_len)
        self.feed_forward = FeedForward(dim, hidden, rank)
        self.attention_norm = RMSNorm(dim, eps)
        self.ffn_norm = RMSNorm(dim, eps)

    def forward(self, x, start, table, mask, visual):
        h = x + self.attention(self.attention_norm(x), start, table, mask, visual)
        return h + self.feed_forward(self.ffn_norm(h))


class AdaptedLlama(nn.Module):
    def __init__(self, a, max_len):
        super().__init__()
        hidden = int(2 * 4 * a.dim / 3)
        hidden = a.multiple_of * ((hidden + a.multiple_of - 1) // a.multiple_of)
        self.tok_embeddings = nn.Embedding(a.vocab, a.dim, **KW)
        self.layers = nn.ModuleList(Block(a.dim, a.heads, hidden, a.lora_rank, 1e-6, max_len) for _ in range(a.layers))
        self.norm = RMSNorm(a.dim, 1e-6)
        self.output = nn.Linear(a.dim, a.vocab, bias=False, **KW)
        self.prefix_query = nn.Embedding(a.layers, a.dim, **KW)  # one learned query row per adapter layer
        self.rope = rope_table(a.dim // a.heads, 2 * max_len)

    @torch.inference_mode()
    def forward(self, visual_query, tokens, start):
        b, n = tokens.shape
        h = self.tok_embeddings(tokens)
        table = self.rope[start:start + n]
        mask = torch.full((1, 1, n, n), float("-inf")).triu(start + 1).type_as(h)
        prefix = self.prefix_query.weight.view(len(self.layers), 1, 1, -1)
        for i, layer in enumerate(self.layers):
            h = layer(h, start, table, mask, visual_query + prefix[i].repeat(b, 1, 1))
        h = self.norm(h)
        return self.output(h[:, -1, :]).float()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--dim", type=int, default=4096)
    p.add_argument("--layers", type=int, default=32)
    p.add_argument("--heads", type=int, default=32)
    p.add_argument("--multiple-of", type=int, default=256)
    p.add_argument("--vocab", type=int, default=32000)
    p.add_argument("--lora-rank", type=int, default=16)
    p.add_argument("--prompt-tokens", type=int, default=64)
    p.add_argument("--steps", type=int, default=32)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()

    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    max_len = a.prompt_tokens + a.steps + 2

    t0 = time.perf_counter()
    model = AdaptedLlama(a, max_len).to_empty(device="cpu")
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.endswith("norm.weight"):
                param.fill_(1.0)
            else:
                param.uniform_(-0.02, 0.02)
    print(f"reference: model built in {time.perf_counter() - t0:.1f} s", file=sys.stderr)

    visual = torch.randn(1, 1, a.dim).to(torch.bfloat16)
    tokens = torch.randint(3, a.vocab, (1, a.prompt_tokens))
    t1 = time.perf_counter()
    logits = model(visual, tokens, 0)
    prefill_s = time.perf_counter() - t1
    pos = a.prompt_tokens
    nxt = logits.argmax(-1, keepdim=True)
    logits = model(visual, nxt, pos)  # one untimed step: first-call set-up of the M=1 kernels
    pos += 1

    nxt = logits.argmax(-1, keepdim=True)
    t2 = time.perf_counter()
    for _ in range(a.steps):
        logits = model(visual, nxt, pos)
        nxt = logits.argmax(-1, keepdim=True)
        pos += 1
    decode_s = time.perf_counter() - t2

    print(json.dumps({"tokens_per_s": a.steps / decode_s, "steps": a.steps, "decode_s": decode_s,
                      "prefill_tokens_per_s": a.prompt_tokens / prefill_s, "threads": torch.get_num_threads(),
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
