#pragma once
// The one exception type media code throws for anything a user can cause: a missing, empty,
// corrupt or unsupported file, or a capture device that is not there. Like ibllm::Error in
// the engine, its message is one sentence that names the file (or device) and says how to
// fix it. media/ stays independent of engine/, so this is a separate type; app/ catches both.
#include <stdexcept>

namespace ibllm::media {

struct MediaError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace ibllm::media
