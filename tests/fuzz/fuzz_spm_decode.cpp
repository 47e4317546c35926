// libFuzzer harness: the SentencePiece module (engine/llama/spm_module, through the Tokenizer
// that loads it) decoding any ids with the LLaMA tokenizer of the test fixtures: the input's
// bytes are read as little-endian int32 ids. Ids outside the vocabulary must give an Error,
// every other sequence text; each piece and byte lookup is exercised too. No crash, no read
// out of bounds, in our wrapper or across the module's C interface.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/llama/tokenizer.h"
#include "memory_file.h"

namespace {
std::unique_ptr<ibllm::Tokenizer> tokenizer;
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    ::setenv("IBLLM_SPM_MODULE", IBLLM_FUZZ_SPM_MODULE, 1);
    tokenizer = std::make_unique<ibllm::Tokenizer>(IBLLM_FUZZ_TOKENIZER);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<int> ids(size / 4);
    if (!ids.empty()) std::memcpy(ids.data(), data, ids.size() * 4);
    survive<ibllm::Error>([&] { (void)tokenizer->decode(ids); });
    for (int id : ids) {
        if (id < 0 || id >= tokenizer->n_words()) continue;
        survive<ibllm::Error>([&] { (void)tokenizer->id_to_piece(id); });
        (void)tokenizer->byte_value(id);
        (void)tokenizer->is_control(id);
    }
    // The same bytes as text, encoded and decoded back.
    const std::string text(reinterpret_cast<const char*>(data), size);
    survive<ibllm::Error>([&] { (void)tokenizer->decode(tokenizer->encode(text, true, true)); });
    return 0;
}
