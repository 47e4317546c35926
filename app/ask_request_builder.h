#pragma once
// Turns what the user sees (the conversation so far, the question, the attachment chips and
// the side panel) into the engine's AskRequest. Kept apart from the widgets so that what
// reaches the engine can be checked without a window.
#include <QList>
#include <QString>

#include "app/answer_settings.h"
#include "app/attachment_spec.h"
#include "app/conversation_store.h"
#include "engine/engine.h"

namespace ibllm::app {

// The attachments a question is asked about. ImageBind-LLM sees one fused visual token per
// question, so a follow-up question without attachments keeps the files of the latest
// earlier question that had some (the user is still asking about that photo). Attachments
// with weight 0 are left out of the fusion, as the reference demo refuses them.
QList<AttachmentSpec> effectiveAttachments(const QList<StoredMessage>& earlier, const QList<AttachmentSpec>& attached);

// `earlier` holds the conversation's messages before this question, oldest first; each
// question followed by its answer becomes one history turn (an unanswered question is
// skipped). `systemPrompt` is the conversation's (app/system_prompt.h; empty: none).
ibllm::AskRequest buildAskRequest(const QList<StoredMessage>& earlier, const QString& prompt,
                                  const QList<AttachmentSpec>& attached, const AnswerSettings& settings,
                                  const QString& systemPrompt = QString());

}  // namespace ibllm::app
