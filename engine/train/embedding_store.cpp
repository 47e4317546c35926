#include "engine/train/embedding_store.h"

#include <ATen/ATen.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "engine/checkpoint/npy.h"
#include "engine/error.h"
#include "engine/train/training_data.h"

namespace fs = std::filesystem;

namespace ibllm {

namespace {

// FNV-1a, 64 bits: enough to tell training files apart, and needs no library.
uint64_t fnv1a(const void* data, size_t n, uint64_t h = 1469598103934665603ull) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

std::string content_key(const std::string& path, const std::string& salt) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path + " cannot be read; check that it exists and is readable.");
    uint64_t h = fnv1a(salt.data(), salt.size());
    std::vector<char> buf(1 << 20);
    while (in) {
        in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
        h = fnv1a(buf.data(), static_cast<size_t>(in.gcount()), h);
    }
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
    return hex;
}

bool is_one_vector(const at::Tensor& t) { return t.dim() == 1 || (t.dim() == 2 && t.size(0) == 1); }

at::Tensor as_embedding(const std::vector<float>& v, const std::string& what) {
    if (v.empty()) throw Error("ImageBind gave no embedding for " + what + "; check the file.");
    return at::from_blob(const_cast<float*>(v.data()), {static_cast<int64_t>(v.size())}, at::kFloat).clone();
}

}  // namespace

EmbeddingStore::EmbeddingStore(const TrainHooks& hooks, std::string cache_dir, std::string blank_file)
    : hooks_(hooks), cache_dir_(std::move(cache_dir)), blank_file_(std::move(blank_file)) {}

bool EmbeddingStore::is_precomputed(const std::string& media) {
    std::string ext = fs::path(media).extension().string();
    for (char& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (ext != ".npy") return false;
    return is_one_vector(read_npy(media));
}

at::Tensor EmbeddingStore::blank(const TrainingExample& example) {
    if (blank_.defined()) return blank_;
    if (!blank_file_.empty()) {
        const at::Tensor t = read_npy(blank_file_);
        if (!is_one_vector(t) || !at::isFloatingType(t.scalar_type()))
            throw Error(blank_file_ + " holds an array of shape " + c10::str(t.sizes()) +
                        "; --blank-embedding takes one ImageBind embedding, [D] or [1, D] floats.");
        blank_ = t.reshape({-1}).to(at::kFloat);
        return blank_;
    }
    if (!hooks_.blank_embedding)
        throw Error(example.where + " is text-only, and its visual input is ImageBind's embedding of a blank image; pass "
                    "--imagebind, or give that embedding with --blank-embedding FILE.npy.");
    blank_ = as_embedding(hooks_.blank_embedding(), "the blank image");
    return blank_;
}

at::Tensor EmbeddingStore::get(const TrainingExample& e, std::optional<uint64_t> augment_seed) {
    if (e.media.empty()) return blank(e);
    std::string ext = fs::path(e.media).extension().string();
    for (char& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (ext == ".npy") {
        const auto it = memory_.find(e.media);
        if (it != memory_.end()) return it->second;
        const at::Tensor t = read_npy(e.media);
        if (is_one_vector(t)) {
            if (!at::isFloatingType(t.scalar_type()))
                throw Error(e.where + ": " + e.media + " is not a float embedding; save it as float32.");
            return memory_[e.media] = t.reshape({-1}).to(at::kFloat);
        }
        // Otherwise a point cloud stored as .npy: encoded like any file.
    }
    if (augment_seed) return encode(e, augment_seed);
    return encode(e, std::nullopt);
}

at::Tensor EmbeddingStore::encode(const TrainingExample& e, std::optional<uint64_t> augment_seed) {
    if (!hooks_.embed)
        throw Error(e.where + " names " + e.media + "; encoding it needs the ImageBind checkpoint: pass --imagebind (or give "
                    "precomputed .npy embeddings in the data file).");
    if (augment_seed) {
        ++encoded_;
        return as_embedding(hooks_.embed(e.media, augment_seed), e.media);
    }
    const std::string key = content_key(e.media, hooks_.embedder_id + "|standard preprocessing");
    if (const auto it = memory_.find(key); it != memory_.end()) return it->second;
    const std::string cached = cache_dir_.empty() ? std::string() : (fs::path(cache_dir_) / (key + ".npy")).string();
    std::error_code ec;
    if (!cached.empty() && fs::is_regular_file(cached, ec)) {
        try {
            const at::Tensor t = read_npy(cached);
            if (is_one_vector(t)) return memory_[key] = t.reshape({-1}).to(at::kFloat);
        } catch (const Error&) {
            // a damaged cache entry is encoded again and rewritten
        }
    }
    at::Tensor t;
    try {
        t = as_embedding(hooks_.embed(e.media, std::nullopt), e.media);
    } catch (const Error& err) {
        throw Error(e.where + ": " + err.what());
    }
    ++encoded_;
    if (!cached.empty()) {
        fs::create_directories(cache_dir_, ec);
        write_npy(cached, t.reshape({1, -1}));
    }
    return memory_[key] = t;
}

}  // namespace ibllm
