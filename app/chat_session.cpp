#include "app/chat_session.h"

#include "app/ask_request_builder.h"
#include "app/engine_worker.h"
#include "app/file_hasher.h"

namespace ibllm::app {

namespace {

constexpr int kTitleLength = 60;

// A new conversation is named after its first question (its first line, shortened), as the
// chat apps do.
QString titleFrom(const QString& question) {
    QString line = question.trimmed().section(QLatin1Char('\n'), 0, 0).simplified();
    if (line.size() > kTitleLength) line = line.left(kTitleLength - 1).trimmed() + QChar(0x2026);
    return line;
}

}  // namespace

ChatSession::ChatSession(ConversationStore& store, EngineWorker& worker, QObject* parent)
    : QObject(parent), store_(store), worker_(worker) {
    // The worker lives in another thread, so these are queued connections both ways.
    connect(this, &ChatSession::askRequested, &worker_, &EngineWorker::ask);
    connect(this, &ChatSession::loadRequested, &worker_, &EngineWorker::loadModels);
    connect(this, &ChatSession::demoLoadRequested, &worker_, &EngineWorker::loadDemoModel);
    connect(this, &ChatSession::conversationResetRequested, &worker_, &EngineWorker::resetConversation);
    connect(&worker_, &EngineWorker::progress, this, &ChatSession::onProgress);
    connect(&worker_, &EngineWorker::loaded, this, &ChatSession::onLoaded);
    connect(&worker_, &EngineWorker::loadFailed, this, &ChatSession::onLoadFailed);
    connect(&worker_, &EngineWorker::token, this, &ChatSession::onToken);
    connect(&worker_, &EngineWorker::finished, this, &ChatSession::onFinished);
    connect(&worker_, &EngineWorker::failed, this, &ChatSession::onFailed);
}

ChatSession::~ChatSession() = default;

// ---- the model ---------------------------------------------------------------------------

void ChatSession::setLoading(bool loading, bool demo) {
    loading_ = loading;
    loadingDemo_ = demo;
    Q_EMIT loadingChanged(loading);
}

void ChatSession::loadModel(const ibllm::ModelPaths& paths, const ibllm::LoadOptions& options) {
    setLoading(true, false);
    Q_EMIT loadRequested(paths, options);
}

void ChatSession::loadDemoModel(const QString& dir, const ibllm::LoadOptions& options) {
    setLoading(true, true);
    Q_EMIT demoLoadRequested(dir, options);
}

void ChatSession::onProgress(const QString& stage, double fraction) {
    if (loading_) Q_EMIT loadProgress(stage, fraction);
}

void ChatSession::onLoaded(const ibllm::ModelInfo& info) {
    info_ = info;
    modelLoaded_ = true;
    setLoading(false, false);
    Q_EMIT modelLoaded(info);
}

void ChatSession::onLoadFailed(const QString& message, bool cancelled) {
    // The engine keeps the model it had, if any.
    setLoading(false, false);
    Q_EMIT loadFailed(message, cancelled);
}

// ---- the conversation --------------------------------------------------------------------

void ChatSession::setSystemPrompt(const QString& text) {
    if (text == systemPrompt_) return;
    systemPrompt_ = text;
    if (conversation_ && !store_.setSystemPrompt(conversation_, text))
        Q_EMIT storeProblem(storeError(tr("The system prompt could not be saved.")));
    Q_EMIT systemPromptChanged(text);
}

void ChatSession::startNew() {
    if (isGenerating()) stop();
    conversation_ = 0;
    Q_EMIT conversationResetRequested();
    Q_EMIT conversationChanged(0);
}

bool ChatSession::open(qint64 id) {
    const std::optional<ConversationSummary> c = store_.conversation(id);
    if (!c) return false;
    if (id == conversation_) return true;
    // An answer being written stops; it is still saved to its own conversation.
    if (isGenerating()) stop();
    conversation_ = id;
    systemPrompt_ = store_.systemPrompt(id);
    Q_EMIT conversationResetRequested();
    Q_EMIT conversationChanged(id);
    Q_EMIT systemPromptChanged(systemPrompt_);
    return true;
}

QList<StoredMessage> ChatSession::messages() const {
    return conversation_ ? store_.messages(conversation_) : QList<StoredMessage>{};
}

qint64 ChatSession::ensureConversation(const QString& firstQuestion) {
    if (conversation_ && store_.conversation(conversation_)) return conversation_;
    conversation_ = store_.createConversation(titleFrom(firstQuestion));
    // A new chat's prompt was chosen before it was saved.
    if (conversation_ && !systemPrompt_.isEmpty() && !store_.setSystemPrompt(conversation_, systemPrompt_))
        Q_EMIT storeProblem(storeError(tr("The system prompt could not be saved.")));
    if (conversation_) Q_EMIT conversationChanged(conversation_);
    return conversation_;
}

QString ChatSession::storeError(const QString& fallback) const {
    return store_.lastError().isEmpty() ? fallback : store_.lastError();
}

// ---- asking ------------------------------------------------------------------------------

QString ChatSession::checkReady() const {
    if (isGenerating()) return tr("An answer is still being written; stop it first.");
    if (!isModelReady()) return tr("The model is not loaded yet.");
    return QString();
}

QString ChatSession::ask(const QString& text, const QList<AttachmentSpec>& attachments, const AnswerSettings& settings) {
    if (text.trimmed().isEmpty()) return tr("The question is empty.");
    if (QString why = checkReady(); !why.isEmpty()) return why;
    const qint64 conversation = ensureConversation(text);
    if (!conversation) return storeError(tr("The conversation could not be saved."));
    const ibllm::AskRequest request = buildAskRequest(store_.messages(conversation), text, attachments, settings, systemPrompt_);

    QList<qint64> attachmentIds;
    const qint64 questionId = store_.appendMessage(conversation, Role::User, text, {}, attachments, &attachmentIds);
    if (!questionId) return storeError(tr("The question could not be saved."));
    // The hashes record which file was asked about; hashing a video takes seconds, so it
    // runs off this thread and lands when done.
    ConversationStore* store = &store_;
    for (int i = 0; i < attachments.size() && i < attachmentIds.size(); ++i) {
        const qint64 attachmentId = attachmentIds[i];
        hashFileAsync(attachments[i].path, this, [store, attachmentId](const QString& sha) {
            if (!sha.isEmpty()) store->setAttachmentHash(attachmentId, sha);
        });
    }

    StoredMessage question;
    question.id = questionId;
    question.conversation = conversation;
    question.role = Role::User;
    question.text = text;
    for (int i = 0; i < attachments.size(); ++i) {
        const AttachmentSpec& a = attachments[i];
        question.attachments.append({i < attachmentIds.size() ? attachmentIds[i] : 0, a.modality, a.path, a.sha256, a.weight});
    }
    Q_EMIT questionAdded(question);
    Q_EMIT conversationsChanged();
    startAnswer(request, conversation);
    return QString();
}

QString ChatSession::regenerate(qint64 questionId, const AnswerSettings& settings) {
    if (QString why = checkReady(); !why.isEmpty()) return why;
    const QList<StoredMessage> all = messages();
    qsizetype at = -1;
    for (qsizetype i = 0; i < all.size(); ++i)
        if (all[i].id == questionId && all[i].role == Role::User) at = i;
    if (at < 0) return tr("That question is no longer in this conversation.");
    const StoredMessage& question = all[at];
    QList<AttachmentSpec> attachments;
    for (const StoredAttachment& a : question.attachments) attachments.append(a.spec());
    // The old answer, and anything after it, is replaced.
    if (at + 1 < all.size() && !store_.deleteMessagesFrom(conversation_, all[at + 1].id))
        return storeError(tr("The old answer could not be removed."));
    startAnswer(buildAskRequest(all.mid(0, at), question.text, attachments, settings, systemPrompt_), conversation_);
    return QString();
}

QString ChatSession::resend(qint64 questionId, const QString& text, const AnswerSettings& settings) {
    if (text.trimmed().isEmpty()) return tr("The question is empty.");
    if (QString why = checkReady(); !why.isEmpty()) return why;
    QList<AttachmentSpec> attachments;
    for (const StoredMessage& m : messages()) {
        if (m.id != questionId) continue;
        for (const StoredAttachment& a : m.attachments) attachments.append(a.spec());
        if (!store_.deleteMessagesFrom(conversation_, questionId)) return storeError(tr("The old question could not be replaced."));
    }
    return ask(text, attachments, settings);
}

void ChatSession::startAnswer(const ibllm::AskRequest& request, qint64 conversation) {
    pending_ = PendingAnswer{};
    pending_.id = worker_.newRequestId();
    pending_.conversation = conversation;
    Q_EMIT answerStarted();
    Q_EMIT busyChanged(true);
    Q_EMIT askRequested(pending_.id, request);
}

void ChatSession::stop() {
    if (isGenerating()) {
        worker_.cancel(pending_.id);  // direct and thread-safe: the worker thread is busy generating
        return;
    }
    if (loading_) worker_.cancelLoading();
}

void ChatSession::keepPartialAnswer() {
    if (!isGenerating()) return;
    if (!pending_.streamed.isEmpty() && store_.conversation(pending_.conversation)) {
        ibllm::AskStats partial;
        partial.cancelled = true;
        partial.generated_tokens = pending_.pieces;
        const double seconds = sinceFirstPiece_.isValid() ? sinceFirstPiece_.elapsed() / 1000.0 : 0.0;
        partial.tokens_per_s = seconds > 0 && pending_.pieces > 1 ? (pending_.pieces - 1) / seconds : 0.0;
        store_.appendMessage(pending_.conversation, Role::Assistant, pending_.streamed, statsToJson(partial));
    }
    worker_.cancel(pending_.id);
    pending_ = PendingAnswer{};
    Q_EMIT busyChanged(false);
}

void ChatSession::onToken(quint64 requestId, const QString& text) {
    if (requestId != pending_.id) return;  // a stopped request's last pieces
    if (pending_.pieces++ == 0) sinceFirstPiece_.start();
    pending_.streamed += text;
    Q_EMIT pieceArrived(text);
}

void ChatSession::onFinished(quint64 requestId, const ibllm::AskStats& stats) {
    if (requestId != pending_.id) return;
    const PendingAnswer done = pending_;
    pending_ = PendingAnswer{};
    Q_EMIT busyChanged(false);
    StoredMessage answer;
    answer.conversation = done.conversation;
    answer.role = Role::Assistant;
    answer.text = QString::fromStdString(stats.text);
    if (answer.text.isEmpty()) answer.text = done.streamed;
    answer.stats = statsToJson(stats);
    if (answer.text.isEmpty()) {
        // Stopped before the first word: nothing worth saving.
        Q_EMIT answerFailed(tr("Stopped before the model wrote anything."));
        return;
    }
    // The answer is saved only now, in one transaction: a crash mid-answer loses just this answer.
    if (store_.conversation(done.conversation)) {
        answer.id = store_.appendMessage(done.conversation, Role::Assistant, answer.text, answer.stats);
        if (!answer.id) Q_EMIT storeProblem(storeError(tr("The answer could not be saved.")));
    }
    Q_EMIT answerFinished(answer);
    Q_EMIT conversationsChanged();
}

void ChatSession::onFailed(quint64 requestId, const QString& message) {
    if (requestId != pending_.id) return;
    pending_ = PendingAnswer{};
    Q_EMIT busyChanged(false);
    Q_EMIT answerFailed(message);
}

}  // namespace ibllm::app
