#pragma once
// OpenAI's "stop": the answer ends before the first of the given strings, which is never sent.
// The engine streams pieces of text, and a stop string may straddle two pieces, so a piece's
// end that could still begin a stop string is held back until the next piece settles it.
#include <string>
#include <vector>

namespace ibllm::app {

class StopStrings {
public:
    explicit StopStrings(std::vector<std::string> stops);

    // Takes the next streamed piece and returns the text that is now safe to send (possibly
    // empty). After it returns with stopped() true, the answer is over: cancel the request.
    std::string feed(const std::string& piece);
    // The text still held back, to send when the answer ends without a stop string.
    std::string flush();
    bool stopped() const { return stopped_; }

private:
    std::vector<std::string> stops_;
    std::string held_;
    bool stopped_ = false;
};

}  // namespace ibllm::app
