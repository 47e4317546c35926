#include "app/server/ask_from_messages.h"

#include "app/system_prompt.h"

namespace ibllm::app {

namespace {

void append(std::string& to, const std::string& text) {
    if (text.empty()) return;
    if (!to.empty()) to += "\n\n";
    to += text;
}

}  // namespace

ibllm::AskRequest ask_from_messages(const ChatCompletionRequest& request, const SaveRequestFile& save) {
    using Role = RequestMessage::Role;
    ibllm::AskRequest ask;
    ask.sampling = request.sampling;
    ask.cache = request.cache;

    // The question is the run of user messages at the end (the parser ensures there is one).
    size_t question_start = request.messages.size();
    while (question_start > 0 && request.messages[question_start - 1].role != Role::Assistant) --question_start;
    std::string system;
    const RequestMessage* files_from = nullptr;  // the user message whose files are attached

    // Earlier turns: user questions paired with the answers that follow them.
    std::string pending_question;
    bool has_question = false;
    for (size_t i = 0; i < question_start; ++i) {
        const RequestMessage& m = request.messages[i];
        if (m.role == Role::System) {
            append(system, m.text);
        } else if (m.role == Role::User) {
            append(pending_question, m.text);
            has_question = true;
            if (!m.files.empty()) files_from = &m;
        } else if (has_question) {  // an answer to the question before it
            ask.history.push_back({pending_question, "", m.text});
            pending_question.clear();
            has_question = false;
        }  // an assistant message with no question before it (a greeting) has no turn to join
    }
    const RequestMessage* question_files = nullptr;
    for (size_t i = question_start; i < request.messages.size(); ++i) {
        const RequestMessage& m = request.messages[i];
        if (m.role == Role::System) {
            append(system, m.text);
        } else {
            append(ask.prompt, m.text);
            if (!m.files.empty()) question_files = &m;
        }
    }
    place_system_prompt(ask, system);

    const bool own_files = question_files != nullptr;
    const RequestMessage* source = own_files ? question_files : files_from;
    if (source) {
        for (size_t i = 0; i < source->files.size(); ++i) {
            const RequestFile& f = source->files[i];
            ibllm::Attachment a;
            // Fusion weights go with the question's own files; kept files weigh 1, and a file
            // at weight 0 is left out (not even stored).
            a.weight = own_files && i < request.fusion_weights.size() ? request.fusion_weights[i] : 1.0;
            if (a.weight <= 0) continue;
            a.modality = f.modality;
            a.path = save(f);
            ask.attachments.push_back(std::move(a));
        }
    }
    return ask;
}

}  // namespace ibllm::app
