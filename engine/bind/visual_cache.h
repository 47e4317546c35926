#pragma once
// The training-free visual cache: a FAISS index of ImageBind image features. Retrieving the
// nearest cached features and mixing them into the query narrows the gap between the
// modality the bridge was tuned on (images) and the one the user gave (audio, 3D, ...).
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/ask_settings.h"

namespace faiss {
struct Index;
}

namespace ibllm {

class VisualCache {
public:
    // Reads a FAISS index written by faiss.write_index (the release's knn.index). The caller
    // compares dim() with the ImageBind embedding size. Throws ibllm::Error naming the file.
    static std::unique_ptr<VisualCache> open(const std::string& index_path);
    // Writes `features` (each L2-normalised again here) as a FAISS IndexFlatIP, the kind of
    // file the release's knn.index is, through a temporary file renamed at the end, so that
    // nothing half-written is left. Throws ibllm::Error naming the file.
    static void write(const std::string& index_path, const std::vector<std::vector<float>>& features);
    ~VisualCache();
    VisualCache(const VisualCache&) = delete;
    VisualCache& operator=(const VisualCache&) = delete;

    int dim() const;
    int64_t size() const;  // number of cached features
    const std::string& path() const { return path_; }

    struct Hits {
        std::vector<int64_t> ids;  // best first
        std::vector<float> sims;   // the index's scores (inner products for IndexFlatIP)
    };
    // Top-k search for one [1, D] (or [D]) query; k must be in [1, size()].
    Hits search(const at::Tensor& query, int k) const;

    // normalize((1-w) * fused + w * normalize(softmax(t * sims) @ cached[ids])) as [1, D]
    // float32, the reference's knn branch of forward_visual. `fused` is used as it is (the
    // reference does not normalise it first). Optionally reports the retrieved hits.
    at::Tensor enhance(const at::Tensor& fused, const CacheSettings& settings,
                       Hits* hits_out = nullptr) const;

private:
    VisualCache(std::unique_ptr<faiss::Index> index, std::string path);
    at::Tensor query_row(const at::Tensor& query) const;
    at::Tensor cached_vectors(const std::vector<int64_t>& ids) const;

    std::unique_ptr<faiss::Index> index_;
    std::string path_;
};

}  // namespace ibllm
