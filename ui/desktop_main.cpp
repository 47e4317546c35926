// imagebind-llm: the desktop assistant. Starts on the configured model, or on the demo model
// (written on first use) when none is configured.
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QIcon>
#include <QSettings>
#include <QStandardPaths>
#include <QTimer>

#include "app/conversation_store.h"
#include "app/engine_thread.h"
#include "engine/engine.h"
#include "ui/composer.h"
#include "ui/main_window.h"
#include "ui/ui_language.h"

int main(int argc, char** argv) {
    ibllm::restart_with_openmp_waiting(argv, ibllm::OpenMpWaiting::Inference);
    // AppDataLocation becomes ~/.local/share/imagebind-llm (the folder scripts/run.sh uses).
    QApplication::setApplicationName(QStringLiteral("imagebind-llm"));
    QApplication::setApplicationDisplayName(QStringLiteral("ImageBind-LLM"));
    QApplication::setApplicationVersion(QStringLiteral(IBLLM_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("imagebind-llm"));
    QCommandLineParser cli;
    cli.setApplicationDescription(QStringLiteral("Ask LLaMA-7B about images, sounds, videos and 3D point clouds."));
    const QCommandLineOption help = cli.addHelpOption();
    const QCommandLineOption version = cli.addVersionOption();
    const QCommandLineOption demo(QStringLiteral("demo"), QStringLiteral("Run on the demo model (random weights, random answers)."));
    const QCommandLineOption demoDir(QStringLiteral("demo-dir"), QStringLiteral("Where the demo model is written and read."),
                                     QStringLiteral("DIR"));
    const QCommandLineOption database(QStringLiteral("database"), QStringLiteral("The conversations database to use."),
                                      QStringLiteral("FILE"));
    const QCommandLineOption settingsFile(QStringLiteral("settings"), QStringLiteral("The settings file to use."),
                                          QStringLiteral("FILE"));
    const QCommandLineOption language(QStringLiteral("language"), QStringLiteral("Interface language: system, en or zh_CN."),
                                      QStringLiteral("CODE"));
    const QCommandLineOption ask(QStringLiteral("ask"), QStringLiteral("Ask this question as soon as the model is loaded."),
                                 QStringLiteral("TEXT"));
    const QCommandLineOption attach(QStringLiteral("attach"), QStringLiteral("Attach a file (repeatable)."),
                                    QStringLiteral("FILE"));
    cli.addOptions({demo, demoDir, database, settingsFile, language, ask, attach});
    cli.addPositionalArgument(QStringLiteral("files"), QStringLiteral("Files to attach (as the file manager passes them)."),
                              QStringLiteral("[FILE...]"));
    // --help and --version only print, so they are answered before QApplication, which needs
    // a display: they work in a terminal over ssh and in a check after installing the package.
    QStringList arguments;
    for (int i = 0; i < argc; ++i) arguments << QString::fromLocal8Bit(argv[i]);
    if (cli.parse(arguments) && (cli.isSet(help) || cli.isSet(version) || cli.optionNames().contains(QStringLiteral("help-all")))) {
        QCoreApplication printer(argc, argv);
        cli.process(printer);  // prints, then exits
        return 0;
    }
    QApplication app(argc, argv);
    app.setWindowIcon(QIcon(QStringLiteral(":/icons/imagebind-llm.svg")));
    cli.process(app);

    const QString settingsPath =
        cli.isSet(settingsFile) ? cli.value(settingsFile)
                                : QDir(QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation))
                                      .absoluteFilePath(QStringLiteral("settings.ini"));
    QSettings settings(settingsPath, QSettings::IniFormat);
    if (cli.isSet(language)) settings.setValue(QStringLiteral("ui/language"), cli.value(language));
    ibllm::ui::applyUiLanguage(settings.value(QStringLiteral("ui/language"), QStringLiteral("system")).toString());

    ibllm::app::ConversationStore store(cli.value(database));
    ibllm::app::EngineThread engine;
    // Attached files are decoded by media/ and encoded by ImageBind on the engine thread; a
    // .npy holding one vector is taken as a precomputed embedding.
    engine.worker()->setAttachmentEncoder(ibllm::app::embeddingOrEncodedFile);
    ibllm::ui::MainWindow window(store, *engine.worker(), settings);
    if (cli.isSet(demoDir)) window.setDemoModelDir(cli.value(demoDir));
    window.resize(1200, 780);
    window.restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    window.show();

    const QStringList files = cli.values(attach) + cli.positionalArguments();
    if (!files.isEmpty()) window.composer()->attachFiles(files);
    if (cli.isSet(ask)) {
        const QString question = cli.value(ask);
        // The session's own signal: by then it counts the model as ready (the worker's `loaded`
        // reaches it through another queued call).
        QObject::connect(window.session(), &ibllm::app::ChatSession::modelLoaded, &window,
                         [&window, question] {
                             window.newConversation();
                             window.sendQuestion(question);
                         }, Qt::SingleShotConnection);
    }
    window.startModel(cli.isSet(demo));
    return app.exec();
}
