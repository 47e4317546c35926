#pragma once
// Reads the first and last element of every tensor in a checkpoint value, so that ASan sees
// any tensor whose bytes lie outside its storage (shared by the checkpoint harnesses).
#include <ATen/ATen.h>

#include "engine/checkpoint/pickle_value.h"

inline void touch(const at::Tensor& t) {
    if (!t.defined() || t.numel() == 0) return;
    const at::Tensor flat = t.reshape({-1});
    volatile double sink = 0;
    sink = sink + flat[0].item<double>() + flat[flat.numel() - 1].item<double>();
}

inline void touch(const ibllm::Value& v, int depth = 0) {
    if (depth > 64) return;
    if (v.kind == ibllm::Value::Kind::Tensor) touch(v.tensor);
    for (const ibllm::Value& item : v.items) touch(item, depth + 1);
    for (const auto& [key, value] : v.dict) {
        touch(key, depth + 1);
        touch(value, depth + 1);
    }
}
