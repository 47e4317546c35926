#pragma once
// CLIP's byte-level BPE tokenizer as ImageBind's text encoder uses it (SimpleTokenizer,
// context length 77), from the merges file bpe_simple_vocab_16e6.txt.gz.
//
// encode(text):
//   clean_clip_text (ftfy-like fixes, html.unescape twice, whitespace collapse, lower)
//   -> split with CLIP's pattern
//        <|startoftext|> | <|endoftext|> | 's|'t|'re|'ve|'m|'ll|'d | \p{L}+ | \p{N} | [^\s\p{L}\p{N}]+
//      (tried in that order at each position; digits are single tokens; whitespace skipped)
//   -> UTF-8 bytes of each piece mapped to printable characters (GPT-2's byte-to-unicode)
//   -> BPE: the last symbol carries "</w>", the lowest-ranked adjacent pair is merged
//      everywhere until no ranked pair is left
//   -> [49406 (SOT)] + ids + [49407 (EOT)], cut to 77 (a long text loses its EOT), zero padded.
// A literal "<|startoftext|>" / "<|endoftext|>" in the text becomes the special id, as in the
// reference. The encoder's EOS position is argmax(ids): the first EOT, or 0 for a text cut
// before its EOT.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ibllm {

class ClipTokenizer {
public:
    static constexpr int kContextLength = 77;
    static constexpr int64_t kStartOfText = 49406;
    static constexpr int64_t kEndOfText = 49407;

    // Reads the gzip-compressed merges file. Throws ibllm::Error naming the file when it is
    // missing, not gzip/corrupt, or not a CLIP merges list.
    explicit ClipTokenizer(const std::string& bpe_gz_path);
    ~ClipTokenizer();
    ClipTokenizer(const ClipTokenizer&) = delete;
    ClipTokenizer& operator=(const ClipTokenizer&) = delete;

    // The 77 ids fed to the text encoder.
    std::vector<int64_t> encode(const std::string& text) const;
    // The BPE ids of the text alone: no SOT/EOT, not truncated.
    std::vector<int64_t> encode_untruncated(const std::string& text) const;
    // int64 [n, 77], one row per text.
    at::Tensor encode_batch(const std::vector<std::string>& texts) const;
    // The vocabulary size (49408 for CLIP's file).
    int64_t vocab_size() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ibllm
