#pragma once
// One conversation's flow, the same for every front end (the window, a server):
//   a question and its attachments are saved, the conversation so far becomes the engine's
//   AskRequest, the request goes to the engine worker, the answer streams back piece by
//   piece, and the finished answer is saved.
// It also holds the model's state (loading, loaded, failed), since every front end asks
// "can I ask now?" the same way.
//
// Qt Core only: no widgets. Views connect to the signals below and call the slots; the
// session talks to the worker (in its own thread) through queued signals and the worker's
// thread-safe cancel calls, so it never waits on the engine.
#include <QElapsedTimer>
#include <QObject>
#include <QString>

#include "app/answer_settings.h"
#include "app/attachment_spec.h"
#include "app/conversation_store.h"
#include "app/engine_types.h"

namespace ibllm::app {

class EngineWorker;

class ChatSession : public QObject {
    Q_OBJECT
public:
    // `store` and `worker` outlive the session.
    ChatSession(ConversationStore& store, EngineWorker& worker, QObject* parent = nullptr);
    ~ChatSession() override;

    ConversationStore& store() const { return store_; }

    // ---- the model ----
    void loadModel(const ibllm::ModelPaths& paths, const ibllm::LoadOptions& options);
    // Writes the demo model into `dir` unless it is there, then loads it.
    void loadDemoModel(const QString& dir, const ibllm::LoadOptions& options);
    bool isLoading() const { return loading_; }
    bool isLoadingDemo() const { return loading_ && loadingDemo_; }
    bool hasModel() const { return modelLoaded_; }
    bool isModelReady() const { return modelLoaded_ && !loading_; }
    const ibllm::ModelInfo& modelInfo() const { return info_; }

    // ---- the conversation ----
    // 0 while a new chat has not been saved (before its first question).
    qint64 conversation() const { return conversation_; }
    // Starts a new, unsaved chat (stopping an answer being written).
    void startNew();
    // Makes `id` the current conversation; false when it no longer exists.
    bool open(qint64 id);
    // The current conversation's saved messages, oldest first.
    QList<StoredMessage> messages() const;
    // The current conversation's standing instructions (app/system_prompt.h), kept with it in
    // the store; a new chat keeps the one before it until it is changed.
    QString systemPrompt() const { return systemPrompt_; }
    void setSystemPrompt(const QString& text);

    // ---- asking ----
    // Each returns an empty string when the answer started, or one sentence saying why not
    // (no model yet, an answer already being written, the store refused).
    // Saves `text` with its `attachments` as the next question and streams its answer.
    QString ask(const QString& text, const QList<AttachmentSpec>& attachments, const AnswerSettings& settings);
    // Answers saved question `questionId` again: its old answer (and anything later) goes.
    QString regenerate(qint64 questionId, const AnswerSettings& settings);
    // Replaces saved question `questionId` (and anything later) with `text`, keeping its
    // attachments, and asks it.
    QString resend(qint64 questionId, const QString& text, const AnswerSettings& settings);
    bool isGenerating() const { return pending_.id != 0; }
    // The conversation the answer being written belongs to (0 when none).
    qint64 answeringConversation() const { return pending_.conversation; }
    // Stops the answer being written within one token (it still ends with answerFinished),
    // or else the model being loaded (the previous model stays).
    void stop();
    // For closing the program mid-answer: the answer is saved as far as it got, marked as
    // stopped, and the request cancelled.
    void keepPartialAnswer();

Q_SIGNALS:
    // To the worker (queued). Tests listen too: this is exactly what the engine is asked.
    void askRequested(quint64 requestId, const ibllm::AskRequest& request);
    void loadRequested(const ibllm::ModelPaths& paths, const ibllm::LoadOptions& options);
    void demoLoadRequested(const QString& dir, const ibllm::LoadOptions& options);
    void conversationResetRequested();

    // For the views.
    void loadingChanged(bool loading);
    void loadProgress(const QString& stage, double fraction);
    void modelLoaded(const ibllm::ModelInfo& info);
    void loadFailed(const QString& message, bool cancelled);
    // The current conversation changed (a new chat: 0, another one opened, the first question
    // saved); its title is in the store.
    void conversationChanged(qint64 id);
    // The list of conversations changed (one created, or updated by a new message).
    void conversationsChanged();
    // The system prompt changed (set, or another conversation opened).
    void systemPromptChanged(const QString& text);
    // A question was saved and its answer is on its way.
    void questionAdded(const ibllm::app::StoredMessage& question);
    void answerStarted();
    void pieceArrived(const QString& text);
    // `answer.id` is 0 when the conversation was gone or the store refused (the text is
    // still whole); `answer.stats` holds the statistics either way.
    void answerFinished(const ibllm::app::StoredMessage& answer);
    void answerFailed(const QString& message);
    void busyChanged(bool busy);
    // A write to the conversation store failed: one sentence for the user.
    void storeProblem(const QString& message);

private:
    struct PendingAnswer {
        quint64 id = 0;
        qint64 conversation = 0;
        QString streamed;
        int pieces = 0;
    };

    QString checkReady() const;
    qint64 ensureConversation(const QString& firstQuestion);
    void startAnswer(const ibllm::AskRequest& request, qint64 conversation);
    QString storeError(const QString& fallback) const;
    void setLoading(bool loading, bool demo);

    void onProgress(const QString& stage, double fraction);
    void onLoaded(const ibllm::ModelInfo& info);
    void onLoadFailed(const QString& message, bool cancelled);
    void onToken(quint64 requestId, const QString& text);
    void onFinished(quint64 requestId, const ibllm::AskStats& stats);
    void onFailed(quint64 requestId, const QString& message);

    ConversationStore& store_;
    EngineWorker& worker_;
    qint64 conversation_ = 0;
    QString systemPrompt_;
    PendingAnswer pending_;
    QElapsedTimer sinceFirstPiece_;
    bool modelLoaded_ = false;
    bool loading_ = false;
    bool loadingDemo_ = false;
    ibllm::ModelInfo info_;
};

}  // namespace ibllm::app
