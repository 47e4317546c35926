#include "engine/bind/visual_cache.h"

#include "engine/bind/faiss_file_check.h"

#include "engine/error.h"

#include <ATen/ATen.h>
#include <faiss/Index.h>
#include <faiss/IVFlib.h>
#include <faiss/IndexFlat.h>
#include <faiss/IndexIVF.h>
#include <faiss/index_io.h>

#include <cmath>
#include <cstdio>
#include <fstream>

namespace ibllm {
namespace {

std::string file_name(const std::string& path) {
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

void VisualCache::write(const std::string& index_path, const std::vector<std::vector<float>>& features) {
    if (features.empty()) throw Error("No features to write into " + index_path + "; the visual cache needs at least one image.");
    const size_t dim = features[0].size();
    std::vector<float> rows;
    rows.reserve(features.size() * dim);
    for (const std::vector<float>& f : features) {
        if (f.size() != dim || dim == 0) throw Error("The features for " + index_path + " differ in size; encode them with one ImageBind.");
        double norm = 0;
        for (float v : f) norm += static_cast<double>(v) * v;
        const float scale = norm > 0 ? static_cast<float>(1.0 / std::sqrt(norm)) : 0.0f;
        for (float v : f) rows.push_back(v * scale);
    }
    faiss::IndexFlatIP index(static_cast<faiss::Index::idx_t>(dim));
    index.add(static_cast<faiss::Index::idx_t>(features.size()), rows.data());
    const std::string part = index_path + ".part";
    try {
        faiss::write_index(&index, part.c_str());
    } catch (const std::exception&) {
        std::remove(part.c_str());
        throw Error("Could not write the visual cache " + index_path + "; check that its folder exists and is writable.");
    }
    if (std::rename(part.c_str(), index_path.c_str()) != 0) {
        std::remove(part.c_str());
        throw Error("Could not write the visual cache " + index_path + "; check that its folder exists and is writable.");
    }
}

VisualCache::VisualCache(std::unique_ptr<faiss::Index> index, std::string path)
    : index_(std::move(index)), path_(std::move(path)) {}

VisualCache::~VisualCache() = default;

std::unique_ptr<VisualCache> VisualCache::open(const std::string& index_path) {
    // faiss reports a missing file as a generic I/O failure; checking first gives the
    // user the sentence they need.
    if (!std::ifstream(index_path, std::ios::binary).good())
        throw Error("The visual cache " + index_path +
                    " cannot be opened; check the path or download knn.index again.");
    check_faiss_file(index_path);
    std::unique_ptr<faiss::Index> index;
    try {
        index.reset(faiss::read_index(index_path.c_str()));
    } catch (const std::exception&) {
        // The FAISS message (source line, fourcc) means nothing to a user.
        throw Error("The visual cache " + index_path +
                    " is not a readable FAISS index; choose the knn.index file of the "
                    "release or download it again.");
    }
    if (!index)
        throw Error("The visual cache " + index_path +
                    " is not a readable FAISS index; choose the knn.index file of the "
                    "release or download it again.");
    // An IVF index only reconstructs its vectors through a direct map, which the cache
    // needs for the retrieved features; building it is a one-off pass over the lists.
    if (faiss::IndexIVF* ivf = faiss::ivflib::try_extract_index_ivf(index.get())) {
        try {
            ivf->make_direct_map(true);
        } catch (const std::exception&) {
            // Left without a map: enhance() then reports that the index cannot reconstruct.
        }
    }
    if (index->ntotal <= 0)
        throw Error("The visual cache " + index_path +
                    " holds no features; use the knn.index file of the release.");
    return std::unique_ptr<VisualCache>(new VisualCache(std::move(index), index_path));
}

int VisualCache::dim() const { return static_cast<int>(index_->d); }

int64_t VisualCache::size() const { return index_->ntotal; }

at::Tensor VisualCache::query_row(const at::Tensor& query) const {
    if (!query.defined() || query.numel() != index_->d ||
        !(query.dim() == 1 || (query.dim() == 2 && query.size(0) == 1)))
        throw Error("The visual cache " + file_name(path_) + " holds " +
                    std::to_string(index_->d) + "-d features but the query has shape " +
                    (query.defined() ? c10::str(query.sizes()) : std::string("(none)")) +
                    "; use a cache built from the same ImageBind model.");
    return query.reshape({1, -1}).to(at::kFloat).contiguous();
}

VisualCache::Hits VisualCache::search(const at::Tensor& query, int k) const {
    if (k < 1 || k > index_->ntotal)
        throw Error("The visual cache size k = " + std::to_string(k) + " is out of range for " +
                    file_name(path_) + ", which holds " + std::to_string(index_->ntotal) +
                    " features; choose k between 1 and " + std::to_string(index_->ntotal) + ".");
    const at::Tensor row = query_row(query);
    Hits hits;
    hits.ids.resize(k);
    hits.sims.resize(k);
    std::vector<faiss::Index::idx_t> labels(k);
    try {
        index_->search(1, row.data_ptr<float>(), k, hits.sims.data(), labels.data());
    } catch (const std::exception&) {
        throw Error("Searching the visual cache " + file_name(path_) +
                    " failed; download knn.index again.");
    }
    for (int i = 0; i < k; ++i) hits.ids[i] = labels[i];
    return hits;
}

at::Tensor VisualCache::cached_vectors(const std::vector<int64_t>& ids) const {
    const int64_t d = index_->d;
    at::Tensor vectors = at::empty({static_cast<int64_t>(ids.size()), d}, at::kFloat);
    float* out = vectors.data_ptr<float>();
    for (size_t i = 0; i < ids.size(); ++i) {
        // faiss pads missing results with -1 (only possible for non-exhaustive indexes).
        if (ids[i] < 0 || ids[i] >= index_->ntotal)
            throw Error("The visual cache " + file_name(path_) +
                        " returned fewer neighbours than requested; lower k or use a flat index.");
        try {
            index_->reconstruct(ids[i], out + i * d);
        } catch (const std::exception&) {
            // Compressed/IVF indexes may not keep the vectors; the cache needs them.
            throw Error("The visual cache " + file_name(path_) +
                        " cannot return its stored features (this index type does not "
                        "support reconstruction); use a flat index such as the release's knn.index.");
        }
    }
    return vectors;
}

at::Tensor VisualCache::enhance(const at::Tensor& fused, const CacheSettings& settings,
                                Hits* hits_out) const {
    if (!(std::isfinite(settings.t) && settings.t > 0.0))
        throw Error("The visual cache temperature t must be a positive number; the default is 20.");
    if (!(settings.w >= 0.0 && settings.w <= 1.0))
        throw Error("The visual cache weight w must be between 0 and 1; the default is 0.5.");

    const at::Tensor query = query_row(fused);
    Hits hits = search(query, settings.k);
    const at::Tensor prototypes = cached_vectors(hits.ids);  // [k, D]
    const at::Tensor sims =
        at::from_blob(hits.sims.data(), {1, settings.k}, at::kFloat).clone();

    // Same float32 operation order as the reference: scale, softmax, weighted mean, then
    // plain division by the norm (no epsilon: a retrieved mean is never zero in practice).
    const at::Tensor attention = (sims * settings.t).softmax(-1);
    at::Tensor retrieved = at::matmul(attention, prototypes);  // [1, D]
    retrieved = retrieved / retrieved.norm(2, -1, /*keepdim=*/true);
    at::Tensor mixed = query * (1.0 - settings.w) + retrieved * settings.w;
    mixed = mixed / mixed.norm(2, -1, /*keepdim=*/true);

    if (hits_out) *hits_out = std::move(hits);
    return mixed;
}

}  // namespace ibllm
