#include "app/system_prompt.h"

namespace ibllm::app {

void place_system_prompt(ibllm::AskRequest& request, const std::string& system) {
    if (system.empty()) return;
    std::string& input = request.history.empty() ? request.input : request.history.front().input;
    input = input.empty() ? system : system + "\n\n" + input;
}

}  // namespace ibllm::app
