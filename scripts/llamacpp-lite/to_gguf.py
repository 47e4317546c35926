# Meta-layout LLaMA checkpoint -> GGUF (bf16, q8_0 or q4_0, "pure": every matrix in the format,
# norms in f32), with a synthetic SentencePiece-shaped vocabulary of the checkpoint's size.
# Quantisers follow ggml's reference rows (quantize_row_q8_0_ref / quantize_row_q4_0_ref).
import json, struct, sys
import numpy as np, torch
ckpt_dir, out, fmt = sys.argv[1], sys.argv[2], sys.argv[3]
params = json.load(open(f"{ckpt_dir}/params.json"))
sd = torch.load(f"{ckpt_dir}/consolidated.00.pth", map_location="cpu", weights_only=True)
dim, n_layers, n_heads = params["dim"], params["n_layers"], params["n_heads"]
n_kv = params.get("n_kv_heads") or n_heads
vocab = sd["tok_embeddings.weight"].shape[0]
hidden = sd["layers.0.feed_forward.w1.weight"].shape[0]
T = {"f32": 0, "q4_0": 2, "q8_0": 8, "bf16": 30}
FTYPE = {"bf16": 32, "q8_0": 7, "q4_0": 2}

def s(b): b = b.encode(); return struct.pack("<Q", len(b)) + b
def kv(k, t, v):
    head = s(k) + struct.pack("<I", t)
    if t == 4: return head + struct.pack("<I", v)
    if t == 6: return head + struct.pack("<f", v)
    if t == 8: return head + s(v)
    raise ValueError
def arr(k, et, vals):
    b = s(k) + struct.pack("<I", 9) + struct.pack("<IQ", et, len(vals))
    if et == 8: return b + b"".join(s(v) for v in vals)
    if et == 6: return b + np.asarray(vals, "<f4").tobytes()
    if et == 5: return b + np.asarray(vals, "<i4").tobytes()

tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{i:02X}>" for i in range(256)]
tokens += [f"\u2581t{i}" for i in range(vocab - len(tokens))]
types = [2, 3, 3] + [6] * 256 + [1] * (vocab - 259)
scores = [0.0] * 259 + [-float(i) for i in range(vocab - 259)]
kvs = [kv("general.architecture", 8, "llama"), kv("general.name", 8, "ibllm-bench"),
       kv("general.file_type", 4, FTYPE[fmt]), kv("llama.context_length", 4, 2048),
       kv("llama.embedding_length", 4, dim), kv("llama.block_count", 4, n_layers),
       kv("llama.feed_forward_length", 4, hidden), kv("llama.rope.dimension_count", 4, dim // n_heads),
       kv("llama.attention.head_count", 4, n_heads), kv("llama.attention.head_count_kv", 4, n_kv),
       kv("llama.attention.layer_norm_rms_epsilon", 6, params["norm_eps"]),
       kv("tokenizer.ggml.model", 8, "llama"), arr("tokenizer.ggml.tokens", 8, tokens),
       arr("tokenizer.ggml.scores", 6, scores), arr("tokenizer.ggml.token_type", 5, types),
       kv("tokenizer.ggml.bos_token_id", 4, 1), kv("tokenizer.ggml.eos_token_id", 4, 2),
       kv("tokenizer.ggml.unknown_token_id", 4, 0)]

def q8_0(w):
    b = w.reshape(-1, 32)
    d = np.abs(b).max(1) / 127.0
    idv = np.where(d > 0, 1.0 / np.where(d > 0, d, 1), 0).astype(np.float32)
    q = np.round(b * idv[:, None]).astype(np.int8)  # roundf: half away from zero; ties are measure-zero here
    out = np.empty((b.shape[0], 34), np.uint8)
    out[:, :2] = d.astype(np.float16).view(np.uint8).reshape(-1, 2)
    out[:, 2:] = q.view(np.uint8)
    return out.tobytes()
def q4_0(w):
    b = w.reshape(-1, 32)
    i = np.abs(b).argmax(1)
    mx = b[np.arange(b.shape[0]), i]
    d = (mx / -8.0).astype(np.float32)
    idv = np.where(d != 0, 1.0 / np.where(d != 0, d, 1), 0).astype(np.float32)
    q = np.minimum(15, np.trunc(b * idv[:, None] + 8.5)).astype(np.uint8)
    out = np.empty((b.shape[0], 18), np.uint8)
    out[:, :2] = d.astype(np.float16).view(np.uint8).reshape(-1, 2)
    out[:, 2:] = q[:, :16] | (q[:, 16:] << 4)
    return out.tobytes()
def encode(t, matrix):
    w = t.float().numpy()
    if not matrix: return 0, w.astype("<f4").tobytes()
    if fmt == "bf16": return 30, t.to(torch.bfloat16).view(torch.int16).numpy().tobytes()
    return (8, q8_0(w)) if fmt == "q8_0" else (2, q4_0(w))

names = [("token_embd.weight", "tok_embeddings.weight", True), ("output_norm.weight", "norm.weight", False),
         ("output.weight", "output.weight", True)]
M = {"attention.wq": "attn_q", "attention.wk": "attn_k", "attention.wv": "attn_v", "attention.wo": "attn_output",
     "feed_forward.w1": "ffn_gate", "feed_forward.w2": "ffn_down", "feed_forward.w3": "ffn_up"}
for l in range(n_layers):
    names.append((f"blk.{l}.attn_norm.weight", f"layers.{l}.attention_norm.weight", False))
    names.append((f"blk.{l}.ffn_norm.weight", f"layers.{l}.ffn_norm.weight", False))
    for k, v in M.items(): names.append((f"blk.{l}.{v}.weight", f"layers.{l}.{k}.weight", True))
infos, blobs, off = [], [], 0
for gname, mname, matrix in names:
    t = sd[mname]
    typ, data = encode(t, matrix)
    dims = list(reversed(t.shape))
    infos.append(s(gname) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims) + struct.pack("<IQ", typ, off))
    pad = (-len(data)) % 32
    blobs.append(data + b"\0" * pad); off += len(data) + pad
with open(out, "wb") as f:
    f.write(b"GGUF" + struct.pack("<IQQ", 3, len(infos), len(kvs)))
    for k in kvs: f.write(k)
    for i in infos: f.write(i)
    f.write(b"\0" * ((-f.tell()) % 32))
    for b in blobs: f.write(b)
print(out, off / 1e9, "GB")
