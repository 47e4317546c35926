// `ibllm-cli chat`: a conversation in the terminal, through the same chat session as the
// desktop window (app/chat_session): questions are read from standard input one line at a
// time, answers stream to standard output, and the conversation is saved with the app's.
#include <QCoreApplication>
#include <QFileInfo>
#include <QSocketNotifier>
#include <QTimer>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <deque>
#include <iostream>
#include <unistd.h>

#include "app/attachment_decoder.h"
#include "app/attachment_spec.h"
#include "app/chat_session.h"
#include "app/cli/arguments.h"
#include "app/cli/commands.h"
#include "app/cli/model_arguments.h"
#include "app/engine_thread.h"
#include "app/engine_worker.h"

namespace ibllm::cli {

namespace {

const char* kChatHelp =
    "Type a question and press Enter. Commands:\n"
    "  /attach FILE            attach a file to the next question (the modality follows the extension)\n"
    "  /attach MODALITY FILE   ... as image, audio, video, point, depth, thermal or imu (OneLLM: also\n"
    "                          rgbd PHOTO,MAP, rgbn PHOTO,MAP and fmri)\n"
    "  /regenerate             answer the last question again\n"
    "  /new                    start a new conversation\n"
    "  /quit                   leave (as does the end of the input)\n"
    "Ctrl+C stops an answer being written; at the prompt it leaves.\n";

std::atomic<bool> interrupted{false};
extern "C" void on_interrupt(int) { interrupted.store(true); }

// Reads standard input without blocking the event loop (the answers stream meanwhile) and
// hands the session one line at a time, each once the previous answer is done.
class TerminalChat : public QObject {
public:
    TerminalChat(app::ChatSession& session, const app::AnswerSettings& settings) : session_(session), settings_(settings) {
        prompt_ = isatty(STDIN_FILENO) == 1;
        connect(&session_, &app::ChatSession::pieceArrived, this, [](const QString& piece) {
            const QByteArray bytes = piece.toUtf8();
            std::fwrite(bytes.data(), 1, size_t(bytes.size()), stdout);
            std::fflush(stdout);
        });
        connect(&session_, &app::ChatSession::answerFinished, this, [this](const app::StoredMessage& answer) {
            std::fputs("\n", stdout);
            std::fflush(stdout);
            const QJsonObject& s = answer.stats;
            std::fprintf(stderr, "[%d tokens at %.2f tokens/s%s]\n", s.value(QStringLiteral("generated_tokens")).toInt(),
                         s.value(QStringLiteral("tokens_per_s")).toDouble(),
                         s.value(QStringLiteral("cancelled")).toBool() ? ", stopped" : "");
            QTimer::singleShot(0, this, &TerminalChat::next);
        });
        connect(&session_, &app::ChatSession::answerFailed, this, [this](const QString& message) {
            std::fprintf(stdout, "\n");
            std::cerr << message.toStdString() << "\n";
            QTimer::singleShot(0, this, &TerminalChat::next);
        });
        connect(&session_, &app::ChatSession::storeProblem, this,
                [](const QString& message) { std::cerr << message.toStdString() << "\n"; });

        input_ = new QSocketNotifier(STDIN_FILENO, QSocketNotifier::Read, this);
        input_->setEnabled(false);
        connect(input_, &QSocketNotifier::activated, this, &TerminalChat::readInput);
        auto* watch = new QTimer(this);
        connect(watch, &QTimer::timeout, this, [this] {
            if (!interrupted.exchange(false)) return;
            if (session_.isGenerating()) return session_.stop();  // the answer ends as far as it got
            std::fputs("\n", stdout);
            QCoreApplication::exit(0);
        });
        watch->start(50);
    }

    void start() {
        if (prompt_) std::cerr << kChatHelp;
        input_->setEnabled(true);
        next();
    }

private:
    void readInput() {
        char buffer[4096];
        const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
        if (n <= 0) {  // the end of the input: leave once the lines read are answered
            input_->setEnabled(false);
            ended_ = true;
        } else {
            pending_.append(buffer, n);
            for (qsizetype at = pending_.indexOf('\n'); at >= 0; at = pending_.indexOf('\n')) {
                lines_.push_back(QString::fromUtf8(pending_.left(at)).trimmed());
                pending_.remove(0, at + 1);
            }
        }
        if (ended_ && !pending_.trimmed().isEmpty()) {
            lines_.push_back(QString::fromUtf8(pending_).trimmed());
            pending_.clear();
        }
        if (!session_.isGenerating()) next();
    }

    // Takes lines until one starts an answer (or the input is used up).
    void next() {
        while (!session_.isGenerating()) {
            if (lines_.empty()) {
                if (ended_) return QCoreApplication::exit(0);
                if (prompt_ && !prompted_) {
                    std::fputs("> ", stdout);
                    std::fflush(stdout);
                    prompted_ = true;
                }
                return;
            }
            prompted_ = false;
            const QString line = lines_.front();
            lines_.pop_front();
            if (line.isEmpty()) continue;
            if (!line.startsWith(QLatin1Char('/'))) {
                const QString why = session_.ask(line, attachments_, settings_);
                attachments_.clear();
                if (!why.isEmpty()) std::cerr << why.toStdString() << "\n";
                continue;
            }
            if (!command(line)) return QCoreApplication::exit(0);
        }
    }

    // A /command; false for /quit.
    bool command(const QString& line) {
        const QStringList words = line.split(QLatin1Char(' '), Qt::SkipEmptyParts);
        const QString name = words.first();
        if (name == QLatin1String("/quit") || name == QLatin1String("/exit")) return false;
        if (name == QLatin1String("/help")) {
            std::cerr << kChatHelp;
        } else if (name == QLatin1String("/new")) {
            session_.startNew();
            attachments_.clear();
            std::cerr << "(a new conversation)\n";
        } else if (name == QLatin1String("/regenerate")) {
            const QList<app::StoredMessage> messages = session_.messages();
            qint64 question = 0;
            for (const app::StoredMessage& m : messages)
                if (m.role == app::Role::User) question = m.id;
            const QString why = question ? session_.regenerate(question, settings_) : QStringLiteral("There is no question to answer again yet.");
            if (!why.isEmpty()) std::cerr << why.toStdString() << "\n";
        } else if (name == QLatin1String("/attach") && words.size() >= 2) {
            attach(words);
        } else {
            std::cerr << "Unknown command " << line.toStdString() << "; /help lists them.\n";
        }
        return true;
    }

    void attach(const QStringList& words) {
        // "/attach FILE" or "/attach MODALITY FILE"; the file name may hold spaces.
        std::optional<Modality> modality;
        QStringList rest = words.mid(1);
        if (rest.size() >= 2) {
            try {
                modality = parse_modality(rest.first().toStdString());
                rest.removeFirst();
            } catch (const Error&) {
                // not a modality: part of the file name
            }
        }
        const QString file = rest.join(QLatin1Char(' '));
        // An RGB-D / RGB-N pair is two files: PHOTO,MAP.
        const bool pair = modality && (*modality == Modality::Rgbd || *modality == Modality::Rgbn);
        if (pair ? app::imagePairParts(file).isEmpty() : !QFileInfo(file).isFile()) {
            std::cerr << file.toStdString() << (pair ? " is not two files; give them as PHOTO,MAP.\n" : " is not a file; give its path.\n");
            return;
        }
        if (!modality) modality = app::guess_modality(file.toStdString());
        if (!modality) {
            std::cerr << "Cannot tell what " << file.toStdString()
                      << " holds from its extension; say it: /attach image|audio|video|point|depth|thermal|imu|rgbd|rgbn|fmri FILE\n";
            return;
        }
        attachments_.append(app::AttachmentSpec{*modality, pair ? file : QFileInfo(file).absoluteFilePath(), 1.0, QString()});
        std::cerr << "(" << to_string(*modality) << " " << file.toStdString() << " goes with the next question)\n";
    }

    app::ChatSession& session_;
    app::AnswerSettings settings_;
    QSocketNotifier* input_;
    QByteArray pending_;
    std::deque<QString> lines_;
    QList<app::AttachmentSpec> attachments_;
    bool ended_ = false;
    bool prompt_ = false;
    bool prompted_ = false;
};

}  // namespace

int run_chat(int argc, char** argv) {
    std::set<std::string> valued = model_option_names();
    valued.insert({"conversations", "continue"});
    std::set<std::string> flags = model_flag_names();
    flags.insert("no-save");
    Arguments args(argc, argv, 2, valued, flags);
    if (!args.positionals().empty())
        throw UsageError("chat reads its questions from standard input; '" + args.positionals()[0] + "' is not an option.");
    const ModelPaths paths = model_paths(args);
    const LoadOptions load = load_options(args);
    app::AnswerSettings settings;
    settings.sampling = sampling_settings(args);
    settings.cache = cache_settings(args, paths);
    settings.language = parse_answer_language(args.get("language", "auto"));
    const qint64 continueId = args.has("continue") ? args.get_int("continue", 0) : 0;

    int qtArgc = 1;
    QCoreApplication app(qtArgc, argv);
    // The desktop app's name: without --conversations, chats are saved where its window finds them.
    QCoreApplication::setApplicationName(QStringLiteral("imagebind-llm"));
    const QString database = args.has("no-save") ? QStringLiteral(":memory:") : QString::fromStdString(args.get("conversations"));
    app::ConversationStore store(database);
    if (!store.isOpen()) throw Error(store.lastError().toStdString());

    app::EngineThread engine;
    engine.worker()->setAttachmentEncoder(app::embeddingOrEncodedFile);
    app::ChatSession session(store, *engine.worker());
    TerminalChat chat(session, settings);
    std::signal(SIGINT, on_interrupt);

    int code = 0;
    QObject::connect(&session, &app::ChatSession::loadFailed, &app, [&code](const QString& message, bool) {
        std::cerr << "ibllm-cli: " << message.toStdString() << "\n";
        code = 2;
        QCoreApplication::exit(2);
    });
    QObject::connect(&session, &app::ChatSession::modelLoaded, &app, [&](const ModelInfo& info) {
        if (info.demo)
            std::cerr << "Note: this is the DEMO model (tiny, random weights): its answers are random text.\n";
        if (continueId && !session.open(continueId)) {
            std::cerr << "ibllm-cli: there is no conversation " << continueId << " in " << store.path().toStdString()
                      << "; leave out --continue to start a new one.\n";
            code = 2;
            return QCoreApplication::exit(2);
        }
        if (continueId) std::cerr << "(continuing conversation " << continueId << ", " << session.messages().size() << " messages)\n";
        chat.start();
    });
    session.loadModel(paths, load);
    const int exited = app.exec();
    if (session.isGenerating()) session.keepPartialAnswer();
    std::fflush(stdout);
    if (session.conversation() && !args.has("no-save"))
        std::cerr << "(saved as conversation " << session.conversation() << " in " << store.path().toStdString() << ")\n";
    return code ? code : exited;
}

}  // namespace ibllm::cli
