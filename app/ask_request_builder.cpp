#include "app/ask_request_builder.h"

#include "app/system_prompt.h"

#include "app/engine_types.h"

namespace ibllm::app {

namespace {
QList<AttachmentSpec> weighted(const QList<AttachmentSpec>& specs) {
    QList<AttachmentSpec> out;
    for (const AttachmentSpec& s : specs)
        if (s.weight > 0.0) out.append(s);
    return out;
}
}  // namespace

QList<AttachmentSpec> effectiveAttachments(const QList<StoredMessage>& earlier, const QList<AttachmentSpec>& attached) {
    if (!attached.isEmpty()) return weighted(attached);
    for (auto it = earlier.crbegin(); it != earlier.crend(); ++it) {
        if (it->role != Role::User || it->attachments.isEmpty()) continue;
        QList<AttachmentSpec> specs;
        for (const StoredAttachment& a : it->attachments) specs.append(a.spec());
        return weighted(specs);
    }
    return {};
}

ibllm::AskRequest buildAskRequest(const QList<StoredMessage>& earlier, const QString& prompt,
                                  const QList<AttachmentSpec>& attached, const AnswerSettings& settings,
                                  const QString& systemPrompt) {
    AskRequest r;
    for (int i = 0; i + 1 < earlier.size(); ++i) {
        if (earlier[i].role != Role::User || earlier[i + 1].role != Role::Assistant) continue;
        r.history.push_back(ChatTurn{toStd(earlier[i].text), std::string(), toStd(earlier[i + 1].text)});
        ++i;
    }
    r.prompt = toStd(prompt);
    for (const AttachmentSpec& s : effectiveAttachments(earlier, attached)) {
        Attachment a;
        a.modality = s.modality;
        a.path = toStd(s.path);
        a.weight = s.weight;
        r.attachments.push_back(std::move(a));
    }
    r.sampling = settings.sampling;
    r.cache = settings.cache;
    r.language = settings.language;
    place_system_prompt(r, toStd(systemPrompt.trimmed()));
    return r;
}

}  // namespace ibllm::app
