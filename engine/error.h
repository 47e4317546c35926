#pragma once
// The one exception type the engine throws for anything a user can cause: a missing or
// wrong file, a corrupt checkpoint, a bad setting. Its message is one sentence that names
// the file (where there is one) and says how to fix it, ready to show as it is.
#include <stdexcept>
#include <string>

namespace ibllm {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Thrown by ask()/encode() when the caller's cancel flag was raised; not a failure.
class Cancelled : public std::runtime_error {
public:
    Cancelled() : std::runtime_error("The request was cancelled.") {}
};

}  // namespace ibllm
