#pragma once
// The token loop: prefill the prompt, then sample one token at a time until EOS, the
// token limit, the context window or a cancel request, streaming text as it completes.
// The KV cache outlives a call, so the next turn of a conversation only computes what
// changed after the longest common prefix.
#include <ATen/core/Tensor.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/ask_settings.h"
#include "engine/llama/kv_cache.h"
#include "engine/llama/transformer.h"

namespace ibllm {

class Tokenizer;

struct GenerationResult {
    std::vector<int> ids;  // generated ids, EOS excluded
    std::string text;      // their decoding, as the reference returns it
    int prompt_tokens = 0;
    int reused_tokens = 0;  // prompt positions whose keys/values came from the previous call
    double prefill_ms = 0;
    double decode_ms = 0;  // time of the token-by-token part
    bool stopped_on_eos = false;
    bool cancelled = false;
    bool hit_context_limit = false;
    bool stopped_on_text = false;  // the stop text appeared (it and what followed are not in `text`)
};

// Rows the language model reads in place of tokens (OneLLM's start tag, modality tokens and
// end tag), placed before prompt id `at`. `decode_shift` moves every decoded token's position
// (and cache slot) by that many places: OneLLM's reference decodes 2 places early after such a
// prefill (it counts the modality tokens but not the two tags), and parity needs the same.
struct InsertedRows {
    at::Tensor rows;  // [k, dim] float32
    int64_t at = 1;
    int64_t decode_shift = 0;
};

class Generator {
public:
    Generator(const Transformer& model, const Tokenizer& tokenizer);

    using TextCallback = std::function<void(const std::string& text)>;
    // Observes the logits of every forward call (row 0 = the prefill), e.g. for parity tests.
    // The tensor is only valid during the call (the decode step reuses it): clone to keep.
    using LogitsObserver = std::function<void(const at::Tensor& logits)>;

    GenerationResult generate(const std::vector<int>& prompt, const AdapterValues& adapter, const SamplingSettings& settings,
                              const TextCallback& on_text, const std::atomic<bool>* cancel = nullptr,
                              const LogitsObserver& on_logits = nullptr, const InsertedRows* inserted = nullptr);

    // Forgets the cached prefix (e.g. after switching conversations).
    void reset();

    // Text that ends an answer when the model writes it (OneLLM's "###", where its template
    // starts the next turn). It is held back from the stream until it cannot be the start of
    // the stop text, and is never part of the answer. Empty: none.
    void set_stop_text(std::string stop) { stop_text_ = std::move(stop); }

private:
    // Longest prefix of `prompt` whose keys/values are already in the cache and valid for
    // this visual input; at least one prompt token is always recomputed to get logits.
    int64_t reusable_prefix(const std::vector<int64_t>& prompt, const AdapterValues& adapter, const at::Tensor& inserted) const;

    const Transformer& model_;
    const Tokenizer& tokenizer_;
    KvCache cache_;
    DecodeWorkspace workspace_;  // the decode step's buffers, made on the first token
    std::vector<int64_t> cached_ids_;  // tokens whose keys/values occupy positions 0..size-1 (kInsertedRow: an inserted row)
    at::Tensor cached_visual_;         // the visual query those positions were computed with
    at::Tensor cached_inserted_;       // the inserted rows among them
    std::string stop_text_;
};

}  // namespace ibllm
