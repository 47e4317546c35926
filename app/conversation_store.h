#pragma once
// Saved conversations in SQLite (Qt Sql): conversations, their messages, and the files the
// messages referenced (by path and content hash; the files themselves stay where they are).
//
// On open, the file's version (PRAGMA user_version) is checked: an older one is brought up to
// date in one transaction, a newer one opens read-only, and a file that is not a sound SQLite
// database is renamed to <name>.damaged-<time> (never deleted) and a new one started.
//
// Writes are small and synchronous on the caller's (UI) thread, on purpose: in WAL mode
// with synchronous=NORMAL a commit appends a few pages to the log without an fsync (fsyncs
// happen at checkpoints), which takes well under a millisecond for one message. A writer
// thread would need its own connection plus ordering between "save the question" and
// "save its answer", to save time nobody can see. Every multi-row change is one transaction,
// and an answer is written once, when it is finished, so killing the app mid-answer loses
// at most that unfinished answer.
#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QSqlDatabase>
#include <QString>
#include <QVariant>
#include <optional>

#include "app/attachment_spec.h"

namespace ibllm::app {

struct ConversationSummary {
    qint64 id = 0;
    QString title;  // empty: not named yet (shown as "New chat")
    QDateTime created, updated;
};

struct StoredAttachment {
    qint64 id = 0;
    ibllm::Modality modality = ibllm::Modality::Image;
    QString path;
    QString sha256;  // empty until hashed
    double weight = 1.0;
    AttachmentSpec spec() const { return {modality, path, weight, sha256}; }
};

enum class Role { User, Assistant };

struct StoredMessage {
    qint64 id = 0;
    qint64 conversation = 0;
    Role role = Role::User;
    QString text;
    QJsonObject stats;  // answers only: tokens, tokens/s, whether it was stopped, ...
    QDateTime created;
    QList<StoredAttachment> attachments;
};

class ConversationStore {
public:
    // Opens (creating if needed) the database at `path`; empty = defaultPath(). Check
    // isOpen() / lastError() after constructing.
    explicit ConversationStore(const QString& path = QString());
    ~ConversationStore();
    ConversationStore(const ConversationStore&) = delete;
    ConversationStore& operator=(const ConversationStore&) = delete;

    // QStandardPaths::AppDataLocation/conversations.sqlite
    static QString defaultPath();

    bool isOpen() const { return open_; }
    // A file saved by a newer version of the app: readable, every write refused (lastError()
    // then says why).
    bool isReadOnly() const { return readOnly_; }
    // One sentence for the user about what opening did (a damaged file moved aside, a newer
    // file opened read-only); empty when nothing happened.
    QString notice() const { return notice_; }
    // Where a damaged file was moved (empty when none was).
    QString movedAside() const { return movedAside_; }
    QString path() const { return path_; }
    // One sentence about the last failure (empty after a success).
    QString lastError() const { return error_; }

    // Returns the new id, or 0 on failure.
    qint64 createConversation(const QString& title = QString());
    bool renameConversation(qint64 id, const QString& title);
    // The conversation's standing instructions (empty: none); see app/system_prompt.h.
    QString systemPrompt(qint64 id);
    bool setSystemPrompt(qint64 id, const QString& text);
    bool deleteConversation(qint64 id);  // with its messages and attachment references
    std::optional<ConversationSummary> conversation(qint64 id);
    // Most recently updated first.
    QList<ConversationSummary> listConversations();
    // Conversations whose title or any message contains `text` (case-insensitive for
    // ASCII), most recently updated first. An empty `text` lists them all.
    QList<ConversationSummary> search(const QString& text);

    // Oldest first, with their attachments.
    QList<StoredMessage> messages(qint64 conversation);
    // Appends a message and its attachment references in one transaction and marks the
    // conversation as updated. Returns the message id, or 0 on failure; `attachmentIds`
    // receives the new attachment rows' ids in the order given.
    qint64 appendMessage(qint64 conversation, Role role, const QString& text, const QJsonObject& stats = {},
                         const QList<AttachmentSpec>& attachments = {}, QList<qint64>* attachmentIds = nullptr);
    // Removes message `messageId` and every later message of its conversation (edit and
    // resend, regenerate).
    bool deleteMessagesFrom(qint64 conversation, qint64 messageId);
    bool setAttachmentHash(qint64 attachmentId, const QString& sha256);

private:
    bool connect(bool readOnly);
    bool readVersion(int* version, QString* nativeCode);
    bool intact();
    bool moveAside();
    bool migrate(int fromVersion);
    bool writable();
    bool exec(const QString& sql);
    // Runs `sql` (an UPDATE binding the value, then the id) and returns the rows it changed;
    // std::nullopt when it could not run (lastError() says why; `failure` names the file as %1).
    std::optional<int> updateRow(const QString& sql, const QVariant& value, qint64 id, const QString& failure);
    bool fail(const QString& what, const QString& detail);
    QList<ConversationSummary> summaries(const QString& where, const QString& pattern);

    QString connection_;
    QString path_;
    QString error_;
    QString notice_;
    QString movedAside_;
    bool open_ = false;
    bool readOnly_ = false;
};

QString roleName(Role role);  // "user" / "assistant", as stored

}  // namespace ibllm::app
