#include "engine/imagebind/preprocess/clip_normalization.h"

#include <ATen/ATen.h>

#include <vector>

namespace ibllm {

at::Tensor clip_normalize(const at::Tensor& x) {
    std::vector<int64_t> shape(x.dim(), 1);
    shape[0] = 3;
    const at::Tensor mean = at::tensor(std::vector<double>(kClipMean, kClipMean + 3)).to(at::kFloat).reshape(shape);
    const at::Tensor std = at::tensor(std::vector<double>(kClipStd, kClipStd + 3)).to(at::kFloat).reshape(shape);
    return (x - mean) / std;
}

}  // namespace ibllm
