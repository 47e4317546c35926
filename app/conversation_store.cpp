#include "app/conversation_store.h"

#include <QAtomicInteger>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QVariant>

#include "engine/error.h"

namespace ibllm::app {

namespace {

QAtomicInteger<int> connectionCounter;

// Times are stored as milliseconds since the epoch (UTC): they sort as numbers.
qint64 nowMs() { return QDateTime::currentMSecsSinceEpoch(); }
QDateTime fromMs(const QVariant& v) { return QDateTime::fromMSecsSinceEpoch(v.toLongLong()); }

// The schema's version, kept in PRAGMA user_version: a file of a newer version opens read-only.
constexpr int kSchemaVersion = 2;

// AUTOINCREMENT: ids are never reused, so a late reference to a deleted row (a file hash
// finishing after its message was edited away, a message widget's id) cannot hit a newer one.
const char* const kSchema[] = {
    "CREATE TABLE IF NOT EXISTS conversations ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " title TEXT NOT NULL DEFAULT '',"
    " created INTEGER NOT NULL,"
    " updated INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS messages ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " conversation INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,"
    " role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),"
    " text TEXT NOT NULL,"
    " stats TEXT,"
    " created INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS messages_by_conversation ON messages(conversation, id)",
    "CREATE TABLE IF NOT EXISTS attachments ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " message INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,"
    " modality TEXT NOT NULL,"
    " path TEXT NOT NULL,"
    " sha256 TEXT,"
    " weight REAL NOT NULL DEFAULT 1.0)",
    "CREATE INDEX IF NOT EXISTS attachments_by_message ON attachments(message)",
};

// Version 2: each conversation's system prompt (app/system_prompt.h).
const char* const kToVersion2[] = {
    "ALTER TABLE conversations ADD COLUMN system_prompt TEXT NOT NULL DEFAULT ''",
};

Modality modalityFromStored(const QString& s) {
    try {
        return parse_modality(s.toStdString());
    } catch (const Error&) {
        return Modality::Image;  // a database written by a newer version; show it as an image
    }
}

// LIKE treats % and _ as wildcards; a search for "50%" means the characters.
QString likePattern(const QString& text) {
    QString escaped = text;
    escaped.replace(QLatin1Char('\\'), QLatin1String("\\\\"));
    escaped.replace(QLatin1Char('%'), QLatin1String("\\%"));
    escaped.replace(QLatin1Char('_'), QLatin1String("\\_"));
    return QLatin1Char('%') + escaped + QLatin1Char('%');
}

}  // namespace

QString roleName(Role role) { return role == Role::User ? QStringLiteral("user") : QStringLiteral("assistant"); }

QString ConversationStore::defaultPath() {
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
        .absoluteFilePath(QStringLiteral("conversations.sqlite"));
}

ConversationStore::ConversationStore(const QString& path)
    : connection_(QStringLiteral("ibllm-conversations-%1").arg(connectionCounter.fetchAndAddRelaxed(1))),
      path_(path.isEmpty() ? defaultPath() : path) {
    const QString dir = QFileInfo(path_).absolutePath();
    if (!QDir().mkpath(dir)) {
        error_ = QCoreApplication::translate("ConversationStore",
                                             "Cannot create the folder %1 for the conversations; check that it is writable.")
                     .arg(dir);
        return;
    }
    if (!connect(false)) return;
    int version = 0;
    QString nativeCode;
    const bool readable = readVersion(&version, &nativeCode);
    if (!readable || !intact()) {
        // SQLITE_NOTADB (26) or SQLITE_CORRUPT (11), or a failed quick_check: the file is
        // not a usable database. It is kept under another name, never deleted; any other
        // failure (a lock, a permission) is reported and the file left alone.
        const bool damaged = readable || nativeCode == QLatin1String("26") || nativeCode == QLatin1String("11");
        if (!damaged) return;
        if (!moveAside() || !connect(false) || !readVersion(&version, &nativeCode)) return;
    }
    if (version > kSchemaVersion) {
        // A newer app's file: read it, change nothing.
        if (!connect(true)) return;
        readOnly_ = true;
        notice_ = QCoreApplication::translate("ConversationStore",
                                              "The conversations in %1 were saved by a newer version of ImageBind-LLM (database "
                                              "version %2; this one knows up to %3), so they are shown read-only and new chats "
                                              "are not saved; update the app to keep writing to them.")
                      .arg(path_)
                      .arg(version)
                      .arg(kSchemaVersion);
        open_ = true;
        return;
    }
    // WAL + NORMAL: see the header. foreign_keys makes deleting a conversation take its
    // messages and attachment rows along (SQLite has it off by default, per connection).
    if (!exec(QStringLiteral("PRAGMA journal_mode = WAL")) || !exec(QStringLiteral("PRAGMA synchronous = NORMAL")) ||
        !exec(QStringLiteral("PRAGMA foreign_keys = ON")))
        return;
    if (!migrate(version)) return;
    open_ = true;
}

bool ConversationStore::connect(bool readOnly) {
    {
        QSqlDatabase old = QSqlDatabase::database(connection_, false);
        if (old.isValid()) old.close();
    }
    if (QSqlDatabase::contains(connection_)) QSqlDatabase::removeDatabase(connection_);
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection_);
    if (!db.isValid()) {
        error_ = QCoreApplication::translate("ConversationStore",
                                             "Qt's SQLite driver is missing; install libqt6sql6-sqlite.");
        return false;
    }
    db.setDatabaseName(path_);
    if (readOnly) db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
    if (!db.open())
        return fail(QCoreApplication::translate("ConversationStore", "Cannot open the conversations database %1").arg(path_),
                    db.lastError().text());
    return true;
}

bool ConversationStore::readVersion(int* version, QString* nativeCode) {
    QSqlQuery q(QSqlDatabase::database(connection_));
    if (!q.exec(QStringLiteral("PRAGMA user_version")) || !q.next()) {
        *nativeCode = q.lastError().nativeErrorCode();
        return fail(QCoreApplication::translate("ConversationStore", "The conversations database %1 cannot be read").arg(path_),
                    q.lastError().text());
    }
    *version = q.value(0).toInt();
    return true;
}

bool ConversationStore::intact() {
    QSqlQuery q(QSqlDatabase::database(connection_));
    if (q.exec(QStringLiteral("PRAGMA quick_check")) && q.next() && q.value(0).toString() == QLatin1String("ok")) return true;
    return fail(QCoreApplication::translate("ConversationStore", "The conversations database %1 is damaged").arg(path_),
                q.lastError().text());
}

bool ConversationStore::moveAside() {
    {
        QSqlDatabase db = QSqlDatabase::database(connection_, false);
        if (db.isValid()) db.close();
    }
    QSqlDatabase::removeDatabase(connection_);
    const QString aside =
        path_ + QStringLiteral(".damaged-") + QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"));
    // The log and shared-memory files belong to the damaged file: they go with it.
    for (const QString& suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")}) {
        if (!QFileInfo::exists(path_ + suffix)) continue;
        if (!QFile::rename(path_ + suffix, aside + suffix)) {
            error_ = QCoreApplication::translate("ConversationStore",
                                                 "The conversations database %1 is damaged and could not be moved aside; move it "
                                                 "elsewhere yourself and start the app again.")
                         .arg(path_);
            return false;
        }
    }
    notice_ = QCoreApplication::translate("ConversationStore",
                                          "The conversations database %1 was damaged; it is kept as %2 and a new one was "
                                          "started.")
                  .arg(path_, aside);
    movedAside_ = aside;
    return true;
}

bool ConversationStore::migrate(int fromVersion) {
    QSqlDatabase db = QSqlDatabase::database(connection_);
    if (!db.transaction())
        return fail(QCoreApplication::translate("ConversationStore", "Cannot write to %1").arg(path_), db.lastError().text());
    // Version 0 is a file without our tables (a new or empty one), brought to version 1 by
    // the schema; each later version adds its step after these, and a file of any older
    // version takes them all in this one transaction. CREATE ... IF NOT EXISTS leaves a
    // newer file's tables as they are.
    for (const char* sql : kSchema) {
        if (!exec(QString::fromLatin1(sql))) {
            db.rollback();
            return false;
        }
    }
    if (fromVersion < 2) {
        for (const char* sql : kToVersion2) {
            if (!exec(QString::fromLatin1(sql))) {
                db.rollback();
                return false;
            }
        }
    }
    if (!exec(QStringLiteral("PRAGMA user_version = %1").arg(kSchemaVersion))) {
        db.rollback();
        return false;
    }
    if (!db.commit())
        return fail(QCoreApplication::translate("ConversationStore", "Cannot write to %1").arg(path_), db.lastError().text());
    return true;
}

bool ConversationStore::writable() {
    if (!open_) return false;
    if (!readOnly_) return true;
    error_ = notice_;
    return false;
}

ConversationStore::~ConversationStore() {
    {
        QSqlDatabase db = QSqlDatabase::database(connection_, false);
        if (db.isValid()) db.close();
    }
    QSqlDatabase::removeDatabase(connection_);
}

bool ConversationStore::fail(const QString& what, const QString& detail) {
    error_ = detail.isEmpty() ? what + QLatin1Char('.') : what + QStringLiteral(" (") + detail.trimmed() + QStringLiteral(").");
    return false;
}

bool ConversationStore::exec(const QString& sql) {
    QSqlQuery q(QSqlDatabase::database(connection_));
    if (!q.exec(sql))
        return fail(QCoreApplication::translate("ConversationStore", "The conversations database %1 cannot be used")
                        .arg(path_),
                    q.lastError().text());
    return true;
}

qint64 ConversationStore::createConversation(const QString& title) {
    if (!writable()) return 0;
    QSqlQuery q(QSqlDatabase::database(connection_));
    q.prepare(QStringLiteral("INSERT INTO conversations (title, created, updated) VALUES (?, ?, ?)"));
    const qint64 now = nowMs();
    q.addBindValue(title.isNull() ? QStringLiteral("") : title);  // a null QString binds as NULL
    q.addBindValue(now);
    q.addBindValue(now);
    if (!q.exec()) {
        fail(QCoreApplication::translate("ConversationStore", "Cannot save a new conversation in %1").arg(path_),
             q.lastError().text());
        return 0;
    }
    error_.clear();
    return q.lastInsertId().toLongLong();
}

std::optional<int> ConversationStore::updateRow(const QString& sql, const QVariant& value, qint64 id, const QString& failure) {
    if (!writable()) return std::nullopt;
    QSqlQuery q(QSqlDatabase::database(connection_));
    q.prepare(sql);
    q.addBindValue(value);
    q.addBindValue(id);
    if (!q.exec()) {
        fail(failure.arg(path_), q.lastError().text());
        return std::nullopt;
    }
    error_.clear();
    return q.numRowsAffected();
}

bool ConversationStore::renameConversation(qint64 id, const QString& title) {
    return updateRow(QStringLiteral("UPDATE conversations SET title = ? WHERE id = ?"),
                     title.trimmed().isNull() ? QStringLiteral("") : title.trimmed(), id,
                     QCoreApplication::translate("ConversationStore", "Cannot rename the conversation in %1")) == 1;
}

bool ConversationStore::deleteConversation(qint64 id) {
    if (!writable()) return false;
    QSqlQuery q(QSqlDatabase::database(connection_));
    q.prepare(QStringLiteral("DELETE FROM conversations WHERE id = ?"));
    q.addBindValue(id);
    if (!q.exec())
        return fail(QCoreApplication::translate("ConversationStore", "Cannot delete the conversation from %1").arg(path_),
                    q.lastError().text());
    error_.clear();
    return q.numRowsAffected() == 1;
}

QList<ConversationSummary> ConversationStore::summaries(const QString& where, const QString& pattern) {
    QList<ConversationSummary> out;
    if (!open_) return out;
    QSqlQuery q(QSqlDatabase::database(connection_));
    q.prepare(QStringLiteral("SELECT id, title, created, updated FROM conversations c ") + where +
              QStringLiteral(" ORDER BY updated DESC, id DESC"));
    if (!pattern.isNull()) {
        q.addBindValue(pattern);
        q.addBindValue(pattern);
    }
    if (!q.exec()) {
        fail(QCoreApplication::translate("ConversationStore", "Cannot read the conversations from %1").arg(path_),
             q.lastError().text());
        return out;
    }
    while (q.next())
        out.append({q.value(0).toLongLong(), q.value(1).toString(), fromMs(q.value(2)), fromMs(q.value(3))});
    error_.clear();
    return out;
}

QList<ConversationSummary> ConversationStore::listConversations() { return summaries(QString(), QString()); }

QList<ConversationSummary> ConversationStore::search(const QString& text) {
    const QString needle = text.trimmed();
    if (needle.isEmpty()) return listConversations();
    return summaries(QStringLiteral("WHERE c.title LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM messages m "
                                    "WHERE m.conversation = c.id AND m.text LIKE ? ESCAPE '\\')"),
                     likePattern(needle));
}

std::optional<ConversationSummary> ConversationStore::conversation(qint64 id) {
    if (!open_) return std::nullopt;
    QSqlQuery q(QSqlDatabase::database(connection_));
    q.prepare(QStringLiteral("SELECT id, title, created, updated FROM conversations WHERE id = ?"));
    q.addBindValue(id);
    if (!q.exec() || !q.next()) return std::nullopt;
    return ConversationSummary{q.value(0).toLongLong(), q.value(1).toString(), fromMs(q.value(2)), fromMs(q.value(3))};
}

QString ConversationStore::systemPrompt(qint64 id) {
    if (!open_) return {};
    QSqlQuery q(QSqlDatabase::database(connection_));
    q.prepare(QStringLiteral("SELECT system_prompt FROM conversations WHERE id = ?"));
    q.addBindValue(id);
    if (!q.exec() || !q.next()) return {};
    return q.value(0).toString();
}

bool ConversationStore::setSystemPrompt(qint64 id, const QString& text) {
    return updateRow(QStringLiteral("UPDATE conversations SET system_prompt = ? WHERE id = ?"), text, id,
                     QCoreApplication::translate("ConversationStore", "Cannot save the system prompt in %1")) == 1;
}

QList<StoredMessage> ConversationStore::messages(qint64 conversation) {
    QList<StoredMessage> out;
    if (!open_) return out;
    QSqlDatabase db = QSqlDatabase::database(connection_);
    QSqlQuery q(db);
    q.prepare(QStringLiteral("SELECT id, role, text, stats, created FROM messages WHERE conversation = ? ORDER BY id"));
    q.addBindValue(conversation);
    if (!q.exec()) {
        fail(QCoreApplication::translate("ConversationStore", "Cannot read the messages from %1").arg(path_),
             q.lastError().text());
        return out;
    }
    while (q.next()) {
        StoredMessage m;
        m.id = q.value(0).toLongLong();
        m.conversation = conversation;
        m.role = q.value(1).toString() == QLatin1String("assistant") ? Role::Assistant : Role::User;
        m.text = q.value(2).toString();
        m.stats = QJsonDocument::fromJson(q.value(3).toString().toUtf8()).object();
        m.created = fromMs(q.value(4));
        out.append(m);
    }
    QSqlQuery a(db);
    a.prepare(QStringLiteral("SELECT a.id, a.message, a.modality, a.path, a.sha256, a.weight FROM attachments a "
                             "JOIN messages m ON m.id = a.message WHERE m.conversation = ? ORDER BY a.id"));
    a.addBindValue(conversation);
    if (a.exec()) {
        while (a.next()) {
            const qint64 message = a.value(1).toLongLong();
            for (StoredMessage& m : out) {
                if (m.id != message) continue;
                m.attachments.append({a.value(0).toLongLong(), modalityFromStored(a.value(2).toString()),
                                      a.value(3).toString(), a.value(4).toString(), a.value(5).toDouble()});
                break;
            }
        }
    }
    error_.clear();
    return out;
}

qint64 ConversationStore::appendMessage(qint64 conversation, Role role, const QString& text, const QJsonObject& stats,
                                        const QList<AttachmentSpec>& attachments, QList<qint64>* attachmentIds) {
    if (!writable()) return 0;
    QSqlDatabase db = QSqlDatabase::database(connection_);
    const QString cannotSave =
        QCoreApplication::translate("ConversationStore", "Cannot save the message in %1").arg(path_);
    if (!db.transaction()) {
        fail(cannotSave, db.lastError().text());
        return 0;
    }
    auto abort = [&](const QSqlQuery& q) {
        fail(cannotSave, q.lastError().text());
        db.rollback();
        return qint64(0);
    };
    const qint64 now = nowMs();
    QSqlQuery q(db);
    q.prepare(QStringLiteral("INSERT INTO messages (conversation, role, text, stats, created) VALUES (?, ?, ?, ?, ?)"));
    q.addBindValue(conversation);
    q.addBindValue(roleName(role));
    q.addBindValue(text);
    q.addBindValue(stats.isEmpty() ? QVariant() : QString::fromUtf8(QJsonDocument(stats).toJson(QJsonDocument::Compact)));
    q.addBindValue(now);
    if (!q.exec()) return abort(q);
    const qint64 messageId = q.lastInsertId().toLongLong();

    QList<qint64> ids;
    for (const AttachmentSpec& spec : attachments) {
        QSqlQuery a(db);
        a.prepare(QStringLiteral("INSERT INTO attachments (message, modality, path, sha256, weight) VALUES (?, ?, ?, ?, ?)"));
        a.addBindValue(messageId);
        a.addBindValue(QString::fromStdString(to_string(spec.modality)));
        a.addBindValue(spec.path);
        a.addBindValue(spec.sha256.isEmpty() ? QVariant() : spec.sha256);
        a.addBindValue(spec.weight);
        if (!a.exec()) return abort(a);
        ids.append(a.lastInsertId().toLongLong());
    }
    QSqlQuery u(db);
    u.prepare(QStringLiteral("UPDATE conversations SET updated = ? WHERE id = ?"));
    u.addBindValue(now);
    u.addBindValue(conversation);
    if (!u.exec() || u.numRowsAffected() != 1) {
        if (u.lastError().isValid()) return abort(u);
        fail(QCoreApplication::translate("ConversationStore", "The conversation %1 no longer exists in %2")
                 .arg(conversation)
                 .arg(path_),
             QString());
        db.rollback();
        return 0;
    }
    if (!db.commit()) {
        fail(cannotSave, db.lastError().text());
        db.rollback();
        return 0;
    }
    if (attachmentIds) *attachmentIds = ids;
    error_.clear();
    return messageId;
}

bool ConversationStore::deleteMessagesFrom(qint64 conversation, qint64 messageId) {
    if (!writable()) return false;
    QSqlQuery q(QSqlDatabase::database(connection_));
    q.prepare(QStringLiteral("DELETE FROM messages WHERE conversation = ? AND id >= ?"));
    q.addBindValue(conversation);
    q.addBindValue(messageId);
    if (!q.exec())
        return fail(QCoreApplication::translate("ConversationStore", "Cannot delete the messages from %1").arg(path_),
                    q.lastError().text());
    error_.clear();
    return true;
}

bool ConversationStore::setAttachmentHash(qint64 attachmentId, const QString& sha256) {
    // A hash landing after its message was deleted changes no row, which is not a failure.
    return updateRow(QStringLiteral("UPDATE attachments SET sha256 = ? WHERE id = ?"), sha256, attachmentId,
                     QCoreApplication::translate("ConversationStore", "Cannot save the file hash in %1"))
        .has_value();
}

}  // namespace ibllm::app
