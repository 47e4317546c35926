// The conversation store: create / rename / delete / search / list, messages with their
// attachments and stats, truncation for edit and regenerate, Markdown export, transactions,
// and that another process reads what this one wrote (also after being killed mid-answer).
#include <QCoreApplication>
#include <QCryptographicHash>
#include <QFile>
#include <QJsonObject>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTextStream>
#include <QThread>
#include <QtTest>

#include "test_paths.h"
#include "app/conversation_markdown.h"
#include "app/conversation_store.h"
#include "app/file_hasher.h"

using namespace ibllm;
using namespace ibllm::app;

namespace {

// Child-process modes (the test runs itself): print the database, or write and hang.
const char* kDumpEnv = "IBLLM_TEST_DUMP_STORE";
const char* kHangEnv = "IBLLM_TEST_WRITE_AND_HANG";

int dumpStore(const QString& path) {
    ConversationStore store(path);
    QTextStream out(stdout);
    if (!store.isOpen()) {
        out << "ERROR " << store.lastError() << "\n";
        return 1;
    }
    for (const ConversationSummary& c : store.listConversations()) {
        out << "conversation " << c.title << "\n";
        for (const StoredMessage& m : store.messages(c.id)) {
            out << roleName(m.role) << ": " << m.text;
            for (const StoredAttachment& a : m.attachments) out << " [" << a.path << " " << a.weight << "]";
            if (!m.stats.isEmpty()) out << " {tokens " << m.stats.value(QStringLiteral("generated_tokens")).toInt() << "}";
            out << "\n";
        }
    }
    return 0;
}

int writeAndHang(const QString& path) {
    ConversationStore store(path);
    const qint64 c = store.createConversation(QStringLiteral("Killed mid-answer"));
    store.appendMessage(c, Role::User, QStringLiteral("What does the dog hear?"));
    QTextStream(stdout) << "question saved\n" << Qt::flush;
    // The answer would be streaming now; it is only written when finished, which never comes.
    QThread::sleep(60);
    return 0;
}

QByteArray fileBytes(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

int userVersion(const QString& path) {
    int v = -1;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("raw-version"));
        db.setDatabaseName(path);
        if (db.open()) {
            QSqlQuery q(db);
            if (q.exec(QStringLiteral("PRAGMA user_version")) && q.next()) v = q.value(0).toInt();
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("raw-version"));
    return v;
}

void setUserVersion(const QString& path, int version) {
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("raw-set-version"));
        db.setDatabaseName(path);
        if (db.open()) {
            QSqlQuery(db).exec(QStringLiteral("PRAGMA user_version = %1").arg(version));
            QSqlQuery(db).exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("raw-set-version"));
}

}  // namespace

class TestConversationStore : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QString dbPath(const QString& name) const { return dir_.filePath(name); }

private Q_SLOTS:
    void createsListsRenamesAndDeletes() {
        ConversationStore store(dbPath(QStringLiteral("crud.sqlite")));
        QVERIFY2(store.isOpen(), qPrintable(store.lastError()));
        const qint64 a = store.createConversation(QStringLiteral("First"));
        QTest::qWait(5);  // distinct update times
        const qint64 b = store.createConversation();
        QVERIFY(a > 0 && b > 0 && a != b);
        QList<ConversationSummary> all = store.listConversations();
        QCOMPARE(all.size(), 2);
        QCOMPARE(all[0].id, b);  // most recently updated first
        QCOMPARE(all[0].title, QString());
        QVERIFY(store.renameConversation(b, QStringLiteral("  Renamed  ")));
        QCOMPARE(store.conversation(b)->title, QStringLiteral("Renamed"));

        // A message makes its conversation the most recent one.
        QTest::qWait(5);
        QVERIFY(store.appendMessage(a, Role::User, QStringLiteral("hello")) > 0);
        QCOMPARE(store.listConversations().first().id, a);

        QVERIFY(store.deleteConversation(a));
        QVERIFY(!store.conversation(a));
        QCOMPARE(store.listConversations().size(), 1);
        QVERIFY(!store.deleteConversation(a));  // already gone
        // Its messages went with it (foreign keys cascade).
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("check"));
        db.setDatabaseName(store.path());
        QVERIFY(db.open());
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("SELECT COUNT(*) FROM messages")));
        QVERIFY(q.next());
        QCOMPARE(q.value(0).toInt(), 0);
        q.finish();
        db.close();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(QStringLiteral("check"));
    }

    void keepsMessagesAttachmentsAndStats() {
        ConversationStore store(dbPath(QStringLiteral("messages.sqlite")));
        const qint64 c = store.createConversation(QStringLiteral("Dog photo"));
        QList<AttachmentSpec> specs{{Modality::Image, QStringLiteral("/photos/dog.jpg"), 0.75, QString()},
                                    {Modality::Audio, QStringLiteral("/sounds/bark.wav"), 0.25, QStringLiteral("abc")}};
        QList<qint64> ids;
        const qint64 q = store.appendMessage(c, Role::User, QStringLiteral("What is this?\nLine two, 中文"), {}, specs, &ids);
        QVERIFY(q > 0);
        QCOMPARE(ids.size(), 2);
        QJsonObject stats{{QStringLiteral("generated_tokens"), 42}, {QStringLiteral("tokens_per_s"), 12.5},
                          {QStringLiteral("cancelled"), true}};
        const qint64 r = store.appendMessage(c, Role::Assistant, QStringLiteral("A **dog**."), stats);
        QVERIFY(r > q);
        QVERIFY(store.setAttachmentHash(ids[0], QStringLiteral("ff00")));

        const QList<StoredMessage> m = store.messages(c);
        QCOMPARE(m.size(), 2);
        QCOMPARE(m[0].role, Role::User);
        QCOMPARE(m[0].text, QStringLiteral("What is this?\nLine two, 中文"));
        QCOMPARE(m[0].attachments.size(), 2);
        QCOMPARE(m[0].attachments[0].modality, Modality::Image);
        QCOMPARE(m[0].attachments[0].path, QStringLiteral("/photos/dog.jpg"));
        QCOMPARE(m[0].attachments[0].weight, 0.75);
        QCOMPARE(m[0].attachments[0].sha256, QStringLiteral("ff00"));
        QCOMPARE(m[0].attachments[1].modality, Modality::Audio);
        QCOMPARE(m[0].attachments[1].sha256, QStringLiteral("abc"));
        QCOMPARE(m[1].role, Role::Assistant);
        QCOMPARE(m[1].stats.value(QStringLiteral("generated_tokens")).toInt(), 42);
        QCOMPARE(m[1].stats.value(QStringLiteral("tokens_per_s")).toDouble(), 12.5);
        QVERIFY(m[1].stats.value(QStringLiteral("cancelled")).toBool());
        QVERIFY(m[1].attachments.isEmpty());
    }

    void searchesTitlesAndMessageText() {
        ConversationStore store(dbPath(QStringLiteral("search.sqlite")));
        const qint64 dog = store.createConversation(QStringLiteral("Dog in the park"));
        const qint64 plane = store.createConversation(QStringLiteral("Point cloud"));
        const qint64 sale = store.createConversation(QStringLiteral("Prices"));
        store.appendMessage(plane, Role::User, QStringLiteral("Is this an AIRPLANE?"));
        store.appendMessage(plane, Role::Assistant, QStringLiteral("这是一架飞机。"));
        store.appendMessage(sale, Role::User, QStringLiteral("Is 50% off a good deal?"));
        store.appendMessage(dog, Role::User, QStringLiteral("500 dogs"));

        auto ids = [&](const QString& text) {
            QList<qint64> out;
            for (const ConversationSummary& c : store.search(text)) out.append(c.id);
            std::sort(out.begin(), out.end());
            return out;
        };
        QCOMPARE(ids(QStringLiteral("dog")), QList<qint64>{dog});               // title and text, once
        QCOMPARE(ids(QStringLiteral("airplane")), QList<qint64>{plane});        // case-insensitive
        QCOMPARE(ids(QStringLiteral("飞机")), QList<qint64>{plane});            // in an answer
        QCOMPARE(ids(QStringLiteral("50%")), QList<qint64>{sale});              // % is a character, not a wildcard
        QCOMPARE(ids(QStringLiteral("nothing like this")), QList<qint64>{});
        QCOMPARE(store.search(QStringLiteral("  ")).size(), 3);                 // empty lists all
    }

    void truncatesForEditAndRegenerate() {
        ConversationStore store(dbPath(QStringLiteral("truncate.sqlite")));
        const qint64 c = store.createConversation();
        const qint64 q1 = store.appendMessage(c, Role::User, QStringLiteral("q1"));
        store.appendMessage(c, Role::Assistant, QStringLiteral("a1"));
        const qint64 q2 = store.appendMessage(c, Role::User, QStringLiteral("q2"), {}, {{Modality::Image, QStringLiteral("/x.png"), 1.0, {}}});
        store.appendMessage(c, Role::Assistant, QStringLiteral("a2"));
        const qint64 other = store.createConversation();
        store.appendMessage(other, Role::User, QStringLiteral("elsewhere"));

        QVERIFY(store.deleteMessagesFrom(c, q2));
        QList<StoredMessage> m = store.messages(c);
        QCOMPARE(m.size(), 2);
        QCOMPARE(m.last().text, QStringLiteral("a1"));
        QVERIFY(store.deleteMessagesFrom(c, q1));
        QVERIFY(store.messages(c).isEmpty());
        QCOMPARE(store.messages(other).size(), 1);  // other conversations are untouched
    }

    void failedWriteLeavesNothingBehind() {
        ConversationStore store(dbPath(QStringLiteral("rollback.sqlite")));
        QCOMPARE(store.appendMessage(987654, Role::User, QStringLiteral("orphan"), {},
                                     {{Modality::Image, QStringLiteral("/a.png"), 1.0, {}}}),
                 qint64(0));
        QVERIFY(!store.lastError().isEmpty());
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("rollback-check"));
        db.setDatabaseName(store.path());
        QVERIFY(db.open());
        {
            QSqlQuery q(db);
            QVERIFY(q.exec(QStringLiteral("SELECT (SELECT COUNT(*) FROM messages) + (SELECT COUNT(*) FROM attachments)")));
            QVERIFY(q.next());
            QCOMPARE(q.value(0).toInt(), 0);
        }
        db.close();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(QStringLiteral("rollback-check"));
        // The store is still usable afterwards.
        const qint64 c = store.createConversation();
        QVERIFY(store.appendMessage(c, Role::User, QStringLiteral("fine")) > 0);
    }

    void unwritableLocationIsAMessage() {
        QFile blocker(dbPath(QStringLiteral("not-a-folder")));
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        blocker.close();
        ConversationStore store(dbPath(QStringLiteral("not-a-folder/conversations.sqlite")));
        QVERIFY(!store.isOpen());
        QVERIFY(store.lastError().contains(QStringLiteral("not-a-folder")));
        QCOMPARE(store.createConversation(), qint64(0));
        QVERIFY(store.listConversations().isEmpty());
    }

    // A file of the first release (written by its SQL, through Python's sqlite3) opens with its
    // conversation; an empty SQLite file (version 0) is given the tables in one go.
    void opensOlderFiles() {
        const QString path = dbPath(QStringLiteral("first-release.sqlite"));
        QVERIFY(QFile::copy(ibllm::test::data_file(QStringLiteral("conversations/first-release.sqlite")), path));
        QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner);
        {
            ConversationStore store(path);
            QVERIFY2(store.isOpen(), qPrintable(store.lastError()));
            QVERIFY(!store.isReadOnly());
            QVERIFY(store.notice().isEmpty());
            const QList<ConversationSummary> list = store.listConversations();
            QCOMPARE(list.size(), 1);
            QCOMPARE(list[0].title, QStringLiteral("A red cube"));
            const QList<StoredMessage> messages = store.messages(list[0].id);
            QCOMPARE(messages.size(), 2);
            QCOMPARE(messages[0].attachments.size(), 1);
            QCOMPARE(messages[0].attachments[0].path, QStringLiteral("/home/user/cube.png"));
            QCOMPARE(messages[1].stats.value(QStringLiteral("tokens")).toInt(), 5);
            QVERIFY(store.appendMessage(list[0].id, Role::User, QStringLiteral("And now?")) > 0);
            // Brought to version 2: its conversation has an empty system prompt, which can be set.
            QCOMPARE(store.systemPrompt(list[0].id), QString());
            QVERIFY(store.setSystemPrompt(list[0].id, QStringLiteral("Answer briefly.")));
        }
        QCOMPARE(userVersion(path), 2);
        {
            ConversationStore store(path);
            QCOMPARE(store.systemPrompt(store.listConversations()[0].id), QStringLiteral("Answer briefly."));
        }
        const QString empty = dbPath(QStringLiteral("version0.sqlite"));
        {
            QSqlDatabase raw = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("raw-v0"));
            raw.setDatabaseName(empty);
            QVERIFY(raw.open());
            QSqlQuery(raw).exec(QStringLiteral("CREATE TABLE notes (x)"));  // someone else's table stays
            raw.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("raw-v0"));
        ConversationStore store(empty);
        QVERIFY2(store.isOpen(), qPrintable(store.lastError()));
        const qint64 id = store.createConversation(QStringLiteral("new"));
        QVERIFY(id > 0);
        QVERIFY(store.setSystemPrompt(id, QStringLiteral("请用中文回答。")));
        QCOMPARE(store.systemPrompt(id), QStringLiteral("请用中文回答。"));
        QCOMPARE(userVersion(empty), 2);
    }

    // A file of a newer version: its conversations are shown, nothing is written to it.
    void newerFileOpensReadOnly() {
        const QString path = dbPath(QStringLiteral("newer.sqlite"));
        {
            ConversationStore store(path);
            QVERIFY(store.appendMessage(store.createConversation(QStringLiteral("kept")), Role::User, QStringLiteral("hi")) > 0);
        }
        setUserVersion(path, 7);
        const QByteArray before = fileBytes(path);
        {
            ConversationStore store(path);
            QVERIFY2(store.isOpen(), qPrintable(store.lastError()));
            QVERIFY(store.isReadOnly());
            QVERIFY2(store.notice().contains(QStringLiteral("newer version")) && store.notice().contains(QStringLiteral("7")),
                     qPrintable(store.notice()));
            const QList<ConversationSummary> list = store.listConversations();
            QCOMPARE(list.size(), 1);
            QCOMPARE(store.messages(list[0].id).size(), 1);
            QCOMPARE(store.createConversation(QStringLiteral("refused")), qint64(0));
            QVERIFY2(store.lastError().contains(QStringLiteral("read-only")), qPrintable(store.lastError()));
            QVERIFY(!store.deleteConversation(list[0].id));
            QCOMPARE(store.appendMessage(list[0].id, Role::User, QStringLiteral("no")), qint64(0));
            QVERIFY(!store.setSystemPrompt(list[0].id, QStringLiteral("no")));
        }
        QCOMPARE(userVersion(path), 7);
        QCOMPARE(fileBytes(path), before);
    }

    // A file that is not an SQLite database, and one cut short: each is renamed, byte for byte
    // intact, and a new database starts in its place.
    void damagedFileIsMovedAsideNotDeleted_data() {
        QTest::addColumn<bool>("truncated");
        QTest::newRow("not a database") << false;
        QTest::newRow("cut short") << true;
    }
    void damagedFileIsMovedAsideNotDeleted() {
        QFETCH(bool, truncated);
        const QString path = dbPath(truncated ? QStringLiteral("cut.sqlite") : QStringLiteral("garbage.sqlite"));
        if (truncated) {
            {
                ConversationStore store(path);
                for (int i = 0; i < 200; ++i)
                    QVERIFY(store.appendMessage(store.createConversation(QStringLiteral("c%1").arg(i)), Role::User,
                                                QString(400, QLatin1Char('x'))) > 0);
            }
            QFile f(path);
            QVERIFY(f.open(QIODevice::ReadWrite));
            QVERIFY(f.size() > 3 * 4096);
            QVERIFY(f.resize(f.size() / 3));
        } else {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QByteArray("this is not a database, but someone's conversations might be in it\n").repeated(64));
        }
        const QByteArray damaged = fileBytes(path);
        ConversationStore store(path);
        QVERIFY2(store.isOpen(), qPrintable(store.lastError()));
        QVERIFY(!store.isReadOnly());
        QVERIFY(!store.movedAside().isEmpty());
        QVERIFY2(store.notice().contains(QStringLiteral("damaged")) && store.notice().contains(store.movedAside()),
                 qPrintable(store.notice()));
        QCOMPARE(fileBytes(store.movedAside()), damaged);
        QVERIFY(store.listConversations().isEmpty());
        QVERIFY(store.createConversation(QStringLiteral("fresh")) > 0);
    }

    void survivesRestartInANewProcess() {
        const QString path = dbPath(QStringLiteral("restart.sqlite"));
        {
            ConversationStore store(path);
            const qint64 c = store.createConversation(QStringLiteral("Bird song"));
            store.appendMessage(c, Role::User, QStringLiteral("Which bird is singing?"), {},
                                {{Modality::Audio, QStringLiteral("/tmp/song.wav"), 0.5, {}}});
            store.appendMessage(c, Role::Assistant, QStringLiteral("A blackbird."),
                                {{QStringLiteral("generated_tokens"), 5}});
        }
        QProcess child;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QString::fromLatin1(kDumpEnv), path);
        child.setProcessEnvironment(env);
        child.start(QCoreApplication::applicationFilePath(), {});
        QVERIFY(child.waitForFinished(30000));
        QCOMPARE(child.exitCode(), 0);
        const QString out = QString::fromUtf8(child.readAllStandardOutput());
        QCOMPARE(out, QStringLiteral("conversation Bird song\n"
                                     "user: Which bird is singing? [/tmp/song.wav 0.5]\n"
                                     "assistant: A blackbird. {tokens 5}\n"));
    }

    void killedMidAnswerKeepsTheQuestion() {
        const QString path = dbPath(QStringLiteral("killed.sqlite"));
        QProcess child;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QString::fromLatin1(kHangEnv), path);
        child.setProcessEnvironment(env);
        child.start(QCoreApplication::applicationFilePath(), {});
        QVERIFY(child.waitForStarted(10000));
        QByteArray said;
        QTRY_VERIFY2_WITH_TIMEOUT((said += child.readAllStandardOutput()).contains("question saved"), said.constData(), 20000);
        child.kill();  // SIGKILL: no destructors, no clean close
        QVERIFY(child.waitForFinished(10000));

        ConversationStore store(path);
        QVERIFY2(store.isOpen(), qPrintable(store.lastError()));
        const QList<ConversationSummary> all = store.listConversations();
        QCOMPARE(all.size(), 1);
        const QList<StoredMessage> m = store.messages(all[0].id);
        QCOMPARE(m.size(), 1);
        QCOMPARE(m[0].text, QStringLiteral("What does the dog hear?"));
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("integrity"));
        db.setDatabaseName(path);
        QVERIFY(db.open());
        {
            QSqlQuery q(db);
            QVERIFY(q.exec(QStringLiteral("PRAGMA integrity_check")));
            QVERIFY(q.next());
            QCOMPARE(q.value(0).toString(), QStringLiteral("ok"));
        }
        db.close();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(QStringLiteral("integrity"));
    }

    void exportsMarkdown() {
        ConversationStore store(dbPath(QStringLiteral("export.sqlite")));
        const qint64 c = store.createConversation(QStringLiteral("Code question"));
        store.appendMessage(c, Role::User, QStringLiteral("# not a heading\nsecond line"), {},
                            {{Modality::Point, QStringLiteral("/data/plane.ply"), 0.5, {}}});
        store.appendMessage(c, Role::Assistant, QStringLiteral("Here:\n\n```python\nprint(1)\n```\n"),
                            {{QStringLiteral("cancelled"), true}});
        const QString md = conversationToMarkdown(*store.conversation(c), store.messages(c));
        QVERIFY(md.startsWith(QStringLiteral("# Code question\n")));
        QVERIFY(md.contains(QStringLiteral("## You\n\n> # not a heading\n> second line\n")));
        QVERIFY(md.contains(QStringLiteral("- Attached point cloud: `/data/plane.ply` (fusion weight 0.50)")));
        QVERIFY(md.contains(QStringLiteral("## ImageBind-LLM\n\nHere:\n\n```python\nprint(1)\n```\n")));
        QVERIFY(md.contains(QStringLiteral("*(stopped)*")));

        const QString file = dbPath(QStringLiteral("export.md"));
        QCOMPARE(exportConversationMarkdown(store, c, file), QString());
        QFile f(file);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(QString::fromUtf8(f.readAll()).contains(QStringLiteral("print(1)")));
        QVERIFY(!exportConversationMarkdown(store, c, dbPath(QStringLiteral("no/such/dir/x.md"))).isEmpty());
        QVERIFY(!exportConversationMarkdown(store, 424242, file).isEmpty());
    }

    void hashesFiles() {
        const QString path = dbPath(QStringLiteral("hash-me.bin"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("abc");
        f.close();
        // The FIPS 180-2 test vector for "abc".
        const QString expected = QStringLiteral("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        QCOMPARE(sha256OfFile(path), expected);
        QCOMPARE(sha256OfFile(dbPath(QStringLiteral("missing.bin"))), QString());
        // A photo and its map ("a,b") hash as their bytes in order: "ab" + "c" is "abc".
        const QString a = dbPath(QStringLiteral("pair-a.png")), b = dbPath(QStringLiteral("pair-b.png"));
        for (const auto& [file, bytes] : {std::pair{a, QByteArray("ab")}, std::pair{b, QByteArray("c")}}) {
            QFile part(file);
            QVERIFY(part.open(QIODevice::WriteOnly));
            part.write(bytes);
        }
        QCOMPARE(sha256OfFile(a + QLatin1Char(',') + b), expected);
        QString async;
        QObject context;
        hashFileAsync(path, &context, [&](const QString& h) { async = h; });
        QTRY_COMPARE(async, expected);
    }
};

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    if (qEnvironmentVariableIsSet(kDumpEnv)) return dumpStore(qEnvironmentVariable(kDumpEnv));
    if (qEnvironmentVariableIsSet(kHangEnv)) return writeAndHang(qEnvironmentVariable(kHangEnv));
    TestConversationStore test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_conversation_store.moc"
