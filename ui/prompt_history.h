#pragma once
// The composer's prompt history, as in a shell: Up walks back through earlier prompts,
// Down walks forward and finally returns the draft that was being typed.
#include <QString>
#include <QStringList>
#include <optional>

namespace ibllm::ui {

class PromptHistory {
public:
    explicit PromptHistory(int limit = 200) : limit_(limit) {}

    void setEntries(const QStringList& entries);  // oldest first
    const QStringList& entries() const { return entries_; }

    // Remembers a sent prompt (not an empty one, nor a repeat of the last) and stops browsing.
    void add(const QString& prompt);

    // One step back; `draft` is the composer's text, kept for the way forward. nullopt when
    // there is nothing older.
    std::optional<QString> previous(const QString& draft);
    // One step forward; the draft after the newest entry; nullopt when not browsing.
    std::optional<QString> next();

    bool browsing() const { return position_ >= 0; }
    void stopBrowsing() { position_ = -1; }

private:
    QStringList entries_;
    int limit_;
    int position_ = -1;  // index into entries_ while browsing
    QString draft_;
};

}  // namespace ibllm::ui
