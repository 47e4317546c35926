// libFuzzer harness: CLIP's text cleaner and BPE tokenizer (engine/imagebind/preprocess) on any
// bytes, valid UTF-8 or not, as a question's text reaches ImageBind's text encoder. The ids
// must be 77, start with SOT, and lie inside the vocabulary; the text alone must tokenize the
// same as the framed ids say.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/error.h"
#include "engine/imagebind/preprocess/clip_tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const ibllm::ClipTokenizer tokenizer(IBLLM_CLIP_BPE);
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const std::vector<int64_t> ids = tokenizer.encode(text);
        if (ids.size() != ibllm::ClipTokenizer::kContextLength || ids[0] != ibllm::ClipTokenizer::kStartOfText)
            __builtin_trap();
        for (int64_t id : ids)
            if (id < 0 || id >= tokenizer.vocab_size()) __builtin_trap();
        const std::vector<int64_t> bare = tokenizer.encode_untruncated(text);
        for (size_t i = 0; i < bare.size() && i + 1 < ids.size(); ++i)
            if (ids[i + 1] != bare[i]) __builtin_trap();
    } catch (const ibllm::Error&) {  // text the cleaner refuses is a clear error, not a crash
    }
    return 0;
}
