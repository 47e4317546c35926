#include "ui/main_window.h"

#include "app/server/openai_server.h"

#include <QAction>
#include <QCloseEvent>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileInfo>
#include <QMessageBox>
#include <QMimeData>
#include <QScrollArea>
#include <QSplitter>
#include <QStatusBar>
#include <QUrl>
#include <QVBoxLayout>

#include "app/model_config.h"
#include "app/model_validation.h"
#include "app/server/openai_server.h"
#include "ui/attachment_bar.h"
#include "ui/chat_view.h"
#include "ui/composer.h"
#include "ui/conversation_list.h"
#include "ui/conversation_sidebar.h"
#include "ui/main_menus.h"
#include "ui/message_widget.h"
#include "ui/model_dialog.h"
#include "ui/model_status_view.h"
#include "ui/notice_banner.h"
#include "ui/point_cloud_dock.h"
#include "ui/recording_control.h"
#include "ui/settings_panel.h"
#include "ui/system_prompt_editor.h"

namespace ibllm::ui {

namespace {

QStringList localFiles(const QMimeData* data) {
    QStringList out;
    if (!data || !data->hasUrls()) return out;
    for (const QUrl& url : data->urls())
        if (url.isLocalFile()) out.append(url.toLocalFile());
    return out;
}

}  // namespace

MainWindow::MainWindow(app::ConversationStore& store, app::EngineWorker& worker, QSettings& settings, QWidget* parent)
    : QMainWindow(parent), store_(store), settings_(settings), session_(new app::ChatSession(store, worker, this)),
      localServer_(new app::LocalServer(worker, this)), demoDir_(app::defaultDemoModelDir()) {
    setAcceptDrops(true);
    setWindowIcon(QIcon(QStringLiteral(":/icons/imagebind-llm.svg")));

    sidebar_ = new ConversationSidebar(this);
    auto* chatColumn = new QWidget(this);
    auto* chatLayout = new QVBoxLayout(chatColumn);
    chatLayout->setContentsMargins(0, 0, 0, 0);
    chatLayout->setSpacing(0);
    banner_ = new NoticeBanner(chatColumn);
    chat_ = new ChatView(chatColumn);
    composer_ = new Composer(chatColumn);
    chatLayout->addWidget(banner_);
    chatLayout->addWidget(chat_, 1);
    chatLayout->addWidget(composer_);

    settingsPanel_ = new SettingsPanel(this);
    settingsScroll_ = new QScrollArea(this);
    settingsScroll_->setWidget(settingsPanel_);
    settingsScroll_->setWidgetResizable(true);
    settingsScroll_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    settingsScroll_->setFrameShape(QFrame::NoFrame);
    settingsScroll_->setMinimumWidth(settingsPanel_->sizeHint().width() + 16);

    splitter_ = new QSplitter(Qt::Horizontal, this);
    for (QWidget* w : {static_cast<QWidget*>(sidebar_), chatColumn, static_cast<QWidget*>(settingsScroll_)}) splitter_->addWidget(w);
    splitter_->setStretchFactor(1, 1);
    splitter_->setChildrenCollapsible(false);
    splitter_->setSizes({230, 700, 270});
    setCentralWidget(splitter_);

    cloudDock_ = new PointCloudDock(composer_, this);
    addDockWidget(Qt::BottomDockWidgetArea, cloudDock_);
    cloudDock_->hide();

    modelStatus_ = new ModelStatusView(*session_, banner_, statusBar(), this);
    conversations_ = new ConversationList(*session_, sidebar_, chat_, composer_, this);
    connect(conversations_, &ConversationList::renamed, this, &MainWindow::updateTitle);
    menus_ = new MainMenus(this);
    connectMenus();
    connectSession();

    settingsPanel_->keepIn(settings_);
    composer_->keepIn(settings_);

    connect(composer_, &Composer::sendRequested, this, &MainWindow::sendQuestion);
    connect(composer_, &Composer::stopRequested, this, &MainWindow::stop);
    // PortAudio device indices change between sessions, so the choice is not saved.
    connect(settingsPanel_, &SettingsPanel::microphoneChanged, composer_->recorder(), &RecordingControl::setDevice);
    connect(chat_, &ChatView::stopRequested, this, &MainWindow::stop);
    connect(chat_, &ChatView::regenerateRequested, this, &MainWindow::regenerate);
    connect(chat_, &ChatView::editSubmitted, this, &MainWindow::resend);
    connect(banner_, &NoticeBanner::actionTriggered, this, &MainWindow::chooseModel);
    connect(modelStatus_, &ModelStatusView::cancelRequested, this, &MainWindow::stop);
    connect(settingsPanel_, &SettingsPanel::chooseModelRequested, this, &MainWindow::chooseModel);
    connect(settingsPanel_, &SettingsPanel::demoModelRequested, this, &MainWindow::useDemoModel);

    restoreGeometry(settings_.value(QStringLiteral("window/geometry")).toByteArray());
    splitter_->restoreState(settings_.value(QStringLiteral("window/splitter")).toByteArray());
    settingsScroll_->setVisible(settings_.value(QStringLiteral("window/settings_visible"), true).toBool());
    sidebar_->setVisible(settings_.value(QStringLiteral("window/sidebar_visible"), true).toBool());
    if (!store_.isOpen())
        composer_->showProblem(tr("Conversations cannot be saved: %1").arg(store_.lastError()));
    else if (!store_.notice().isEmpty())
        composer_->showProblem(store_.notice());  // a damaged file moved aside, or a newer one read-only

    conversations_->refresh();
    // Pick up where the user left off, as LM Studio does.
    const qint64 last = settings_.value(QStringLiteral("window/conversation"), 0).toLongLong();
    if (last && store_.conversation(last)) openConversation(last);
    retranslate();
    composer_->editor()->setFocus();
}

MainWindow::~MainWindow() = default;

QAction* MainWindow::stopAction() const { return menus_->stop; }
PointCloudPanel* MainWindow::pointCloudPanel() const { return cloudDock_->panel(); }
void MainWindow::stop() { session_->stop(); }
bool MainWindow::isModelReady() const { return session_->isModelReady(); }
bool MainWindow::isLoading() const { return session_->isLoading(); }
bool MainWindow::isGenerating() const { return session_->isGenerating(); }
qint64 MainWindow::currentConversation() const { return session_->conversation(); }
ibllm::ModelInfo MainWindow::modelInfo() const { return session_->modelInfo(); }

void MainWindow::connectMenus() {
    connect(menus_->newChat, &QAction::triggered, this, &MainWindow::newConversation);
    connect(menus_->attach, &QAction::triggered, this, &MainWindow::attachFilesWithDialog);
    connect(menus_->exportChat, &QAction::triggered, this, [this] { exportConversation(session_->conversation()); });
    connect(menus_->quit, &QAction::triggered, this, &QWidget::close);
    connect(menus_->focusPrompt, &QAction::triggered, this, [this] {
        composer_->editor()->setFocus();
        composer_->editor()->selectAll();
    });
    connect(menus_->stop, &QAction::triggered, this, &MainWindow::stop);
    connect(menus_->regenerate, &QAction::triggered, this, [this] {
        MessageWidget* last = chat_->lastMessage();
        if (last && last->role() == app::Role::Assistant) regenerate(last);
    });
    connect(menus_->chooseModel, &QAction::triggered, this, &MainWindow::chooseModel);
    connect(menus_->useDemo, &QAction::triggered, this, &MainWindow::useDemoModel);
    connect(menus_->showSidebar, &QAction::toggled, sidebar_, &QWidget::setVisible);
    connect(menus_->showSettings, &QAction::toggled, settingsScroll_, &QWidget::setVisible);
}

void MainWindow::connectSession() {
    chat_->follow(session_);
    connect(session_, &app::ChatSession::loadingChanged, this, &MainWindow::updateActions);
    connect(session_, &app::ChatSession::busyChanged, this, [this](bool busy) {
        composer_->setGenerating(busy);
        updateActions();
    });
    connect(session_, &app::ChatSession::modelLoaded, this, [this](const ibllm::ModelInfo& info) {
        settingsPanel_->setModelInfo(info, true);
        composer_->attachments()->setOnellm(info.family == "OneLLM");
    });
    connect(session_, &app::ChatSession::conversationChanged, this, &MainWindow::updateTitle);
    connect(session_, &app::ChatSession::storeProblem, this, &MainWindow::showProblem);

    // The local server, as the user left it; a new model is served under its own name.
    connect(settingsPanel_, &SettingsPanel::serveToggled, this, &MainWindow::setServing);
    connect(session_, &app::ChatSession::modelLoaded, this, [this] {
        if (!localServer_->isRunning()) return;
        localServer_->stop();
        setServing(true);
    });
    if (settings_.value(QStringLiteral("server/enabled"), false).toBool()) setServing(true);

    // The system prompt: the editor shows the conversation's, and the user's edits go to the
    // conversation; the last one chosen is remembered for the first new chat of the next run.
    SystemPromptEditor* prompt = settingsPanel_->systemPromptEditor();
    const QString promptKey = QStringLiteral("conversation/systemPrompt");
    if (session_->systemPrompt().isEmpty()) session_->setSystemPrompt(settings_.value(promptKey).toString());
    prompt->setText(session_->systemPrompt());
    connect(session_, &app::ChatSession::systemPromptChanged, prompt, &SystemPromptEditor::setText);
    connect(prompt, &SystemPromptEditor::edited, this, [this, promptKey](const QString& text) {
        session_->setSystemPrompt(text);
        settings_.setValue(promptKey, text);
    });
}

void MainWindow::updateActions() {
    menus_->stop->setEnabled(isGenerating() || isLoading());
    menus_->regenerate->setEnabled(!isGenerating());
    composer_->setModelReady(isModelReady());
}

void MainWindow::showProblem(const QString& message) { composer_->showProblem(message); }

QString MainWindow::servedModelName() const {
    const app::ModelConfig config = app::loadModelConfig(settings_);
    if (session_->modelInfo().demo || !config.configured()) return QStringLiteral("demo");
    return QFileInfo(app::fromStd(config.paths.onellm_dir.empty() ? config.paths.llama_dir : config.paths.onellm_dir)).fileName();
}

void MainWindow::setServing(bool on) {
    settings_.setValue(QStringLiteral("server/enabled"), on);
    if (!on) {
        localServer_->stop();
        settingsPanel_->setServerState(false, QString());
        return;
    }
    // server/port: for a user whose port 8177 is taken (0: any free port).
    const int port = qBound(0, settings_.value(QStringLiteral("server/port"), app::kDefaultServerPort).toInt(), 65535);
    const QString why = localServer_->start(port, servedModelName());
    settingsPanel_->setServerState(why.isEmpty(), why.isEmpty() ? localServer_->address() : why);
}

void MainWindow::retranslate() {
    menus_->retranslate();
    modelStatus_->retranslate();
    {
        const QSignalBlocker a(menus_->showSidebar), b(menus_->showSettings);
        menus_->showSidebar->setChecked(!sidebar_->isHidden());
        menus_->showSettings->setChecked(!settingsScroll_->isHidden());
    }
    updateTitle();
}

void MainWindow::updateTitle() {
    const qint64 id = session_->conversation();
    const std::optional<app::ConversationSummary> c = id ? store_.conversation(id) : std::nullopt;
    setWindowTitle(c ? ConversationSidebar::displayTitle(*c) : tr("New chat"));
}

void MainWindow::changeEvent(QEvent* event) {
    QMainWindow::changeEvent(event);
    if (event->type() == QEvent::LanguageChange) retranslate();
}

// ---- model loading -----------------------------------------------------------------------

void MainWindow::startModel(bool forceDemo) {
    const app::ModelConfig config = app::loadModelConfig(settings_);
    if (forceDemo || !config.configured()) return useDemoModel();
    const app::ModelCheck check = app::checkModelPaths(config.paths);
    if (!check.ok()) return modelStatus_->showLoadProblem(check.problems().first());
    session_->loadModel(config.paths, config.options);
}

void MainWindow::useDemoModel() {
    // Remember the choice: the next start uses the demo model too, until real files are chosen.
    app::ModelConfig config = app::loadModelConfig(settings_);
    if (config.configured()) {
        config.paths = ibllm::ModelPaths{};
        app::saveModelConfig(settings_, config);
    }
    session_->loadDemoModel(demoDir_, config.options);
}

void MainWindow::chooseModel() {
    ModelDialog dialog(app::loadModelConfig(settings_), this);
    if (dialog.exec() != QDialog::Accepted) return;
    if (dialog.demoChosen()) return useDemoModel();
    const app::ModelConfig config = dialog.config();
    app::saveModelConfig(settings_, config);
    session_->loadModel(config.paths, config.options);
}

// ---- conversations -----------------------------------------------------------------------

void MainWindow::newConversation() { conversations_->startNew(); }
void MainWindow::openConversation(qint64 id) { conversations_->open(id); }
void MainWindow::renameConversation(qint64 id, const QString& title) { conversations_->rename(id, title); }
void MainWindow::deleteConversation(qint64 id) { conversations_->remove(id); }
void MainWindow::exportConversation(qint64 id) { conversations_->exportMarkdown(id); }
void MainWindow::setConfirmDeletes(bool confirm) { conversations_->setConfirmDeletes(confirm); }

// ---- asking ------------------------------------------------------------------------------

void MainWindow::sendQuestion(const QString& text) {
    if (isGenerating() || text.trimmed().isEmpty()) return;
    if (!isModelReady())
        return showProblem(tr("The model is not loaded yet; your question stays here until it is."));
    const QList<app::AttachmentSpec> attachments = composer_->takeQuestion();
    const QString why = session_->ask(text, attachments, settingsPanel_->answerSettings());
    if (!why.isEmpty()) showProblem(why);
}

void MainWindow::regenerate(MessageWidget* answer) {
    if (isGenerating() || !answer || answer->role() != app::Role::Assistant) return;
    const QList<MessageWidget*> all = chat_->messages();
    const int index = int(all.indexOf(answer));
    if (index <= 0 || all[index - 1]->role() != app::Role::User) return;
    if (!isModelReady()) return showProblem(tr("The model is not loaded yet."));
    chat_->removeFrom(answer);
    const QString why = session_->regenerate(all[index - 1]->messageId(), settingsPanel_->answerSettings());
    if (!why.isEmpty()) {
        chat_->showConversation(session_->messages());  // what the store still holds
        showProblem(why);
    }
}

void MainWindow::resend(MessageWidget* question, const QString& text) {
    if (isGenerating() || !question) return;
    if (!isModelReady()) return showProblem(tr("The model is not loaded yet."));
    const qint64 questionId = question->messageId();
    chat_->removeFrom(question);
    const QString why = session_->resend(questionId, text, settingsPanel_->answerSettings());
    if (!why.isEmpty()) {
        chat_->showConversation(session_->messages());
        showProblem(why);
    }
}

// ---- attachments ---------------------------------------------------------------------------

void MainWindow::attachFilesWithDialog() { composer_->attachWithDialog(); }

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (!localFiles(event->mimeData()).isEmpty()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const QStringList files = localFiles(event->mimeData());
    if (files.isEmpty()) return;
    composer_->attachFiles(files);
    composer_->editor()->setFocus();
    event->acceptProposedAction();
}

void MainWindow::closeEvent(QCloseEvent* event) {
    // An answer still streaming is kept as far as it got, marked as stopped.
    session_->keepPartialAnswer();
    if (isLoading()) session_->stop();
    settings_.setValue(QStringLiteral("window/conversation"), session_->conversation());
    settings_.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings_.setValue(QStringLiteral("window/splitter"), splitter_->saveState());
    settings_.setValue(QStringLiteral("window/settings_visible"), !settingsScroll_->isHidden());
    settings_.setValue(QStringLiteral("window/sidebar_visible"), !sidebar_->isHidden());
    QMainWindow::closeEvent(event);
}

}  // namespace ibllm::ui
