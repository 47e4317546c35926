// libFuzzer harness: the body of a chat-completions or embeddings request as the server reads
// it (JSON, content parts, base64 and data: URLs), and the conversation built from it. Any input must
// give a request or a RequestError, never a crash, a sanitizer report or a hang.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "app/server/ask_from_messages.h"
#include "app/server/chat_completion_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    ibllm::app::RequestLimits limits;
    limits.max_file_bytes = 1 << 16;  // keeps each run small; the checks are the same
    auto result = ibllm::app::parse_chat_completion_request(body, limits);
    if (auto* request = std::get_if<ibllm::app::ChatCompletionRequest>(&result)) {
        size_t saved = 0;
        const auto ask = ibllm::app::ask_from_messages(*request, [&](const ibllm::app::RequestFile& f) {
            saved += f.bytes.size();
            return f.filename;
        });
        (void)ask;
    }
    // The same bytes as an embeddings body, and its answer's base64 round trip.
    auto embeddings = ibllm::app::parse_embeddings_request(body, limits);
    (void)embeddings;
    if (ibllm::app::decode_base64(ibllm::app::encode_base64(body)) != std::string(body)) __builtin_trap();
    // The decoders alone, on the raw bytes.
    (void)ibllm::app::decode_base64(body);
    (void)ibllm::app::parse_data_url(body);
    return 0;
}
