#pragma once
// A saved conversation as a Markdown document, for "Export as Markdown".
#include <QList>
#include <QString>

#include "app/conversation_store.h"

namespace ibllm::app {

// Headings are in the current UI language. Answers are copied as the model wrote them (they
// are Markdown already); questions are quoted so that their text cannot turn into headings.
QString conversationToMarkdown(const ConversationSummary& conversation, const QList<StoredMessage>& messages);

// Writes the Markdown to `path` atomically (QSaveFile). Returns an empty string on success,
// else one sentence saying what went wrong.
QString exportConversationMarkdown(ConversationStore& store, qint64 conversation, const QString& path);

}  // namespace ibllm::app
