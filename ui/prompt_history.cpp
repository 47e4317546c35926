#include "ui/prompt_history.h"

namespace ibllm::ui {

void PromptHistory::setEntries(const QStringList& entries) {
    entries_ = entries.mid(qMax(0, int(entries.size()) - limit_));
    position_ = -1;
}

void PromptHistory::add(const QString& prompt) {
    position_ = -1;
    if (prompt.trimmed().isEmpty() || (!entries_.isEmpty() && entries_.last() == prompt)) return;
    entries_.append(prompt);
    while (entries_.size() > limit_) entries_.removeFirst();
}

std::optional<QString> PromptHistory::previous(const QString& draft) {
    if (entries_.isEmpty()) return std::nullopt;
    if (position_ < 0) {
        draft_ = draft;
        position_ = int(entries_.size()) - 1;
        return entries_.at(position_);
    }
    if (position_ == 0) return std::nullopt;
    return entries_.at(--position_);
}

std::optional<QString> PromptHistory::next() {
    if (position_ < 0) return std::nullopt;
    if (++position_ >= entries_.size()) {
        position_ = -1;
        return draft_;
    }
    return entries_.at(position_);
}

}  // namespace ibllm::ui
