#include "engine/llama/generator.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>

#include "engine/error.h"
#include "engine/llama/detokenizer.h"
#include "engine/llama/sampler.h"
#include "engine/llama/tokenizer.h"

namespace ibllm {

namespace {
// Prompts longer than this are prefilled in pieces so that a cancel request is noticed
// within one piece even for a long conversation.
constexpr int64_t kPrefillChunk = 256;

double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}
bool cancelled(const std::atomic<bool>* flag) { return flag && flag->load(std::memory_order_relaxed); }
// The id recorded for a position that holds an inserted row rather than a token.
constexpr int64_t kInsertedRow = -1;

bool same_tensor(const at::Tensor& a, const at::Tensor& b) {
    if (a.defined() != b.defined()) return false;
    return !a.defined() || (a.sizes() == b.sizes() && at::equal(a, b));
}
}  // namespace

Generator::Generator(const Transformer& model, const Tokenizer& tokenizer) : model_(model), tokenizer_(tokenizer) {}

void Generator::reset() {
    cached_ids_.clear();
    cached_visual_ = at::Tensor();
    cached_inserted_ = at::Tensor();
}

int64_t Generator::reusable_prefix(const std::vector<int64_t>& prompt, const AdapterValues& adapter,
                                   const at::Tensor& inserted) const {
    // The visual value is added in every layer, so every cached key/value depends on it.
    if (!same_tensor(cached_visual_, adapter.visual_query) || cache_.empty()) return 0;
    // Inserted rows match only the same rows.
    const bool same_rows = same_tensor(cached_inserted_, inserted);
    const size_t limit = std::min(cached_ids_.size(), prompt.size() - 1);
    size_t p = 0;
    while (p < limit && cached_ids_[p] == prompt[p] && (prompt[p] != kInsertedRow || same_rows)) ++p;
    return static_cast<int64_t>(p);
}

GenerationResult Generator::generate(const std::vector<int>& prompt_ids, const AdapterValues& adapter,
                                     const SamplingSettings& settings, const TextCallback& on_text,
                                     const std::atomic<bool>* cancel, const LogitsObserver& on_logits,
                                     const InsertedRows* inserted) {
    const int64_t capacity = model_.config().max_seq_len;
    if (prompt_ids.empty()) throw Error("The prompt is empty; type a question.");
    // The sequence the model reads: the prompt's ids with the inserted rows' positions marked.
    std::vector<int64_t> prompt(prompt_ids.begin(), prompt_ids.end());
    at::Tensor rows;  // the whole prompt's input rows when some are inserted
    int64_t shift = 0;
    if (inserted && inserted->rows.defined()) {
        const int64_t k = inserted->rows.size(0);
        TORCH_CHECK(inserted->at >= 0 && inserted->at <= static_cast<int64_t>(prompt.size()), "inserted rows outside the prompt");
        TORCH_CHECK(inserted->decode_shift <= 0 && -inserted->decode_shift <= k, "a decode shift goes back over inserted rows only");
        TORCH_CHECK(inserted->rows.dim() == 2 && inserted->rows.size(1) == model_.config().dim, "inserted rows must be [k, dim]");
        std::vector<int64_t> before(prompt.begin(), prompt.begin() + inserted->at), after(prompt.begin() + inserted->at, prompt.end());
        std::vector<at::Tensor> parts;
        if (!before.empty()) parts.push_back(model_.embed(before));
        parts.push_back(inserted->rows.to(at::kFloat));
        if (!after.empty()) parts.push_back(model_.embed(after));
        rows = at::cat(parts, 0);
        prompt.insert(prompt.begin() + inserted->at, k, kInsertedRow);
        shift = inserted->decode_shift;
    }
    if (static_cast<int64_t>(prompt.size()) >= capacity)
        throw Error("The prompt has " + std::to_string(prompt.size()) + " tokens, which fills the context window of " +
                    std::to_string(capacity) + "; shorten the question or start a new conversation.");
    if (settings.max_tokens < 1) throw Error("The answer length limit must be at least 1 token.");
    if (cache_.empty()) cache_ = model_.new_cache();

    GenerationResult r;
    r.prompt_tokens = static_cast<int>(prompt.size());
    const at::Tensor inserted_rows = inserted ? inserted->rows : at::Tensor();
    const int64_t reused = reusable_prefix(prompt, adapter, inserted_rows);
    r.reused_tokens = static_cast<int>(reused);

    // Positions in the cache past the reused prefix are about to be overwritten.
    cached_ids_.assign(prompt.begin(), prompt.begin() + reused);
    cached_visual_ = adapter.visual_query;
    cached_inserted_ = inserted_rows;

    Sampler sampler(settings.temperature, settings.top_p, settings.seed);
    StreamingDetokenizer detok(tokenizer_);
    // Streamed text not yet passed on: it may be the start of the stop text.
    std::string held;
    auto emit = [&](const std::string& text, bool final) {
        if (stop_text_.empty()) {
            if (!text.empty() && on_text) on_text(text);
            return false;
        }
        held += text;
        const size_t at = held.find(stop_text_);
        if (at != std::string::npos) {
            held.resize(at);
            if (!held.empty() && on_text) on_text(held);
            held.clear();
            return true;
        }
        // Keep the longest end of `held` that could begin the stop text.
        size_t keep = 0;
        if (!final)
            for (size_t n = std::min(held.size(), stop_text_.size() - 1); n > 0; --n)
                if (held.compare(held.size() - n, n, stop_text_, 0, n) == 0) {
                    keep = n;
                    break;
                }
        const std::string out = held.substr(0, held.size() - keep);
        held.erase(0, held.size() - keep);
        if (!out.empty() && on_text) on_text(out);
        return false;
    };
    const auto t_prefill = std::chrono::steady_clock::now();
    at::Tensor logits;
    for (int64_t pos = reused; pos < static_cast<int64_t>(prompt.size()); pos += kPrefillChunk) {
        if (cancelled(cancel)) {
            r.cancelled = true;
            r.prefill_ms = ms_since(t_prefill);
            return r;
        }
        const int64_t end = std::min<int64_t>(pos + kPrefillChunk, prompt.size());
        std::vector<int64_t> chunk(prompt.begin() + pos, prompt.begin() + end);
        logits = rows.defined() ? model_.forward_embedded(rows.narrow(0, pos, end - pos), pos, cache_, adapter)
                                : model_.forward(chunk, pos, cache_, adapter);
        cached_ids_.insert(cached_ids_.end(), chunk.begin(), chunk.end());
    }
    r.prefill_ms = ms_since(t_prefill);

    // As the reference: total length = min(context, prompt + max_tokens).
    const int64_t total = std::min<int64_t>(capacity, static_cast<int64_t>(prompt.size()) + settings.max_tokens);
    const auto t_decode = std::chrono::steady_clock::now();
    for (int64_t pos = prompt.size(); pos < total; ++pos) {
        if (on_logits) on_logits(logits);
        const int next = sampler.sample(logits);
        if (next == tokenizer_.eos_id()) {
            r.stopped_on_eos = true;
            break;
        }
        r.ids.push_back(next);
        if (emit(detok.push(next), false)) {
            r.stopped_on_text = true;
            break;
        }
        if (pos + 1 >= total) break;  // the last token is never fed back
        if (cancelled(cancel)) {
            r.cancelled = true;
            break;
        }
        // A shifted decode writes over the cache's last prompt slots: they no longer hold
        // what the ids say.
        const int64_t slot = pos + shift;
        logits = model_.decode(next, slot, cache_, workspace_, adapter);
        cached_ids_.resize(std::min<int64_t>(cached_ids_.size(), slot));
        cached_ids_.push_back(next);
    }
    r.hit_context_limit = !r.stopped_on_eos && !r.stopped_on_text && !r.cancelled && total == capacity &&
                          static_cast<int64_t>(prompt.size() + r.ids.size()) >= capacity;
    if (!r.stopped_on_text) emit(detok.flush(), true);
    r.decode_ms = ms_since(t_decode);
    r.text = tokenizer_.decode(r.ids);
    if (!stop_text_.empty() && r.text.find(stop_text_) != std::string::npos) r.text.resize(r.text.find(stop_text_));
    return r;
}

}  // namespace ibllm
