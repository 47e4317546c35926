#include "ui/main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QSplitter>
#include <QStandardPaths>
#include <QStatusBar>
#include <QUrl>
#include <QVBoxLayout>

#include "app/ask_request_builder.h"
#include "app/conversation_markdown.h"
#include "app/engine_types.h"
#include "app/file_hasher.h"
#include "app/model_validation.h"
#include "ui/attachment_bar.h"
#include "ui/chat_view.h"
#include "ui/composer.h"
#include "ui/conversation_sidebar.h"
#include "ui/message_widget.h"
#include "ui/model_dialog.h"
#include "ui/notice_banner.h"
#include "ui/attachment_chip.h"
#include "ui/attachment_preview.h"
#include "ui/point_cloud_panel.h"
#include "ui/recording_control.h"
#include "ui/settings_panel.h"
#include "ui/ui_language.h"

namespace ibllm::ui {

namespace {

constexpr int kTitleLength = 60;
const QString kHistoryKey = QStringLiteral("composer/history");

// A new conversation is named after its first question, as the chat apps do.
QString titleFrom(const QString& question) {
    QString line = question.trimmed().section(QLatin1Char('\n'), 0, 0).simplified();
    if (line.size() > kTitleLength) line = line.left(kTitleLength - 1).trimmed() + QChar(0x2026);
    return line;
}

QStringList localFiles(const QMimeData* data) {
    QStringList out;
    if (!data || !data->hasUrls()) return out;
    for (const QUrl& url : data->urls())
        if (url.isLocalFile()) out.append(url.toLocalFile());
    return out;
}

}  // namespace

MainWindow::MainWindow(app::ConversationStore& store, app::EngineWorker& worker, QSettings& settings, QWidget* parent)
    : QMainWindow(parent), store_(store), worker_(worker), settings_(settings), demoDir_(app::defaultDemoModelDir()) {
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
    splitter_->addWidget(sidebar_);
    splitter_->addWidget(chatColumn);
    splitter_->addWidget(settingsScroll_);
    splitter_->setStretchFactor(0, 0);
    splitter_->setStretchFactor(1, 1);
    splitter_->setStretchFactor(2, 0);
    splitter_->setChildrenCollapsible(false);
    splitter_->setSizes({230, 700, 270});
    setCentralWidget(splitter_);

    // The point-cloud viewer docks below the chat. Its panel is made only when the first
    // cloud that loads is attached: an OpenGL widget switches the whole window to OpenGL
    // composition, which platforms without OpenGL (offscreen) cannot do.
    cloudPanel_ = nullptr;
    cloudDock_ = new QDockWidget(this);
    cloudDock_->setObjectName(QStringLiteral("pointCloudDock"));
    cloudDock_->setAllowedAreas(Qt::BottomDockWidgetArea | Qt::RightDockWidgetArea);
    addDockWidget(Qt::BottomDockWidgetArea, cloudDock_);
    cloudDock_->hide();

    modelStatus_ = new QLabel(this);
    progress_ = new QProgressBar(this);
    progress_->setRange(0, 1000);
    progress_->setMaximumWidth(220);
    progress_->setTextVisible(false);
    progress_->hide();
    cancelLoad_ = new QPushButton(this);
    cancelLoad_->hide();
    statusBar()->addWidget(modelStatus_, 1);
    statusBar()->addPermanentWidget(progress_);
    statusBar()->addPermanentWidget(cancelLoad_);

    buildMenus();

    settingsPanel_->setAnswerSettings(app::loadAnswerSettings(settings_));
    settingsPanel_->setInterfaceLanguage(settings_.value(QStringLiteral("ui/language"), QStringLiteral("system")).toString());
    composer_->history().setEntries(settings_.value(kHistoryKey).toStringList());
    attachDir_ = settings_.value(QStringLiteral("composer/attach_dir"), QDir::homePath()).toString();

    connect(sidebar_, &ConversationSidebar::conversationChosen, this, &MainWindow::openConversation);
    connect(sidebar_, &ConversationSidebar::newConversationRequested, this, &MainWindow::newConversation);
    connect(sidebar_, &ConversationSidebar::renameRequested, this, &MainWindow::renameConversation);
    connect(sidebar_, &ConversationSidebar::deleteRequested, this, &MainWindow::deleteConversation);
    connect(sidebar_, &ConversationSidebar::exportRequested, this, &MainWindow::exportConversation);
    connect(sidebar_, &ConversationSidebar::searchChanged, this, &MainWindow::refreshSidebar);
    connect(composer_, &Composer::sendRequested, this, &MainWindow::sendQuestion);
    connect(composer_, &Composer::stopRequested, this, &MainWindow::stop);
    connect(composer_, &Composer::attachRequested, this, &MainWindow::attachFilesWithDialog);
    connect(composer_->attachments(), &AttachmentBar::changed, this, &MainWindow::showAttachedPointCloud);
    connect(composer_->attachments(), &AttachmentBar::previewReady, this, &MainWindow::showAttachedPointCloud);
    // PortAudio device indices change between sessions, so the choice is not saved.
    connect(settingsPanel_, &SettingsPanel::microphoneChanged, composer_->recorder(), &RecordingControl::setDevice);
    connect(chat_, &ChatView::stopRequested, this, &MainWindow::stop);
    connect(chat_, &ChatView::regenerateRequested, this, &MainWindow::regenerate);
    connect(chat_, &ChatView::editSubmitted, this, &MainWindow::resend);
    connect(banner_, &NoticeBanner::actionTriggered, this, &MainWindow::chooseModel);
    connect(cancelLoad_, &QPushButton::clicked, this, &MainWindow::stop);
    connect(settingsPanel_, &SettingsPanel::answerSettingsChanged, this,
            [this](const app::AnswerSettings& s) { app::saveAnswerSettings(settings_, s); });
    connect(settingsPanel_, &SettingsPanel::interfaceLanguageChanged, this, [this](const QString& code) {
        settings_.setValue(QStringLiteral("ui/language"), code);
        applyUiLanguage(code);
    });
    connect(settingsPanel_, &SettingsPanel::chooseModelRequested, this, &MainWindow::chooseModel);
    connect(settingsPanel_, &SettingsPanel::demoModelRequested, this, &MainWindow::useDemoModel);
    connectWorker();

    restoreGeometry(settings_.value(QStringLiteral("window/geometry")).toByteArray());
    splitter_->restoreState(settings_.value(QStringLiteral("window/splitter")).toByteArray());
    settingsScroll_->setVisible(settings_.value(QStringLiteral("window/settings_visible"), true).toBool());
    sidebar_->setVisible(settings_.value(QStringLiteral("window/sidebar_visible"), true).toBool());
    if (!store_.isOpen())
        composer_->showProblem(tr("Conversations cannot be saved: %1").arg(store_.lastError()));
    else if (!store_.notice().isEmpty())
        composer_->showProblem(store_.notice());  // a damaged file moved aside, or a newer one read-only

    refreshSidebar();
    // Pick up where the user left off, as LM Studio does.
    const qint64 last = settings_.value(QStringLiteral("window/conversation"), 0).toLongLong();
    if (last && store_.conversation(last)) openConversation(last);
    retranslate();
    composer_->editor()->setFocus();
}

MainWindow::~MainWindow() = default;

void MainWindow::connectWorker() {
    // The worker lives in another thread, so these are queued connections both ways.
    connect(this, &MainWindow::askRequested, &worker_, &app::EngineWorker::ask);
    connect(this, &MainWindow::loadRequested, &worker_, &app::EngineWorker::loadModels);
    connect(this, &MainWindow::demoLoadRequested, &worker_, &app::EngineWorker::loadDemoModel);
    connect(this, &MainWindow::conversationResetRequested, &worker_, &app::EngineWorker::resetConversation);
    connect(&worker_, &app::EngineWorker::progress, this, &MainWindow::onProgress);
    connect(&worker_, &app::EngineWorker::loaded, this, &MainWindow::onLoaded);
    connect(&worker_, &app::EngineWorker::loadFailed, this, &MainWindow::onLoadFailed);
    connect(&worker_, &app::EngineWorker::token, this, &MainWindow::onToken);
    connect(&worker_, &app::EngineWorker::finished, this, &MainWindow::onFinished);
    connect(&worker_, &app::EngineWorker::failed, this, &MainWindow::onFailed);
}

void MainWindow::buildMenus() {
    fileMenu_ = menuBar()->addMenu(QString());
    newAction_ = fileMenu_->addAction(QIcon::fromTheme(QStringLiteral("document-new")), QString(), this, &MainWindow::newConversation);
    newAction_->setShortcut(QKeySequence::New);
    attachAction_ = fileMenu_->addAction(QIcon::fromTheme(QStringLiteral("mail-attachment")), QString(), this,
                                         &MainWindow::attachFilesWithDialog);
    attachAction_->setShortcut(QKeySequence::Open);
    exportAction_ = fileMenu_->addAction(QIcon::fromTheme(QStringLiteral("document-save-as")), QString(), this,
                                         [this] { exportConversation(conversation_); });
    exportAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    fileMenu_->addSeparator();
    quitAction_ = fileMenu_->addAction(QIcon::fromTheme(QStringLiteral("application-exit")), QString(), this, &QWidget::close);
    quitAction_->setShortcut(QKeySequence::Quit);

    chatMenu_ = menuBar()->addMenu(QString());
    focusAction_ = chatMenu_->addAction(QString(), this, [this] {
        composer_->editor()->setFocus();
        composer_->editor()->selectAll();
    });
    focusAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    stopAction_ = chatMenu_->addAction(QIcon::fromTheme(QStringLiteral("process-stop")), QString(), this, &MainWindow::stop);
    stopAction_->setShortcut(QKeySequence(Qt::Key_Escape));
    stopAction_->setEnabled(false);  // so that Esc still closes editors and menus when idle
    regenerateAction_ = chatMenu_->addAction(QIcon::fromTheme(QStringLiteral("view-refresh")), QString(), this, [this] {
        MessageWidget* last = chat_->lastMessage();
        if (last && last->role() == app::Role::Assistant) regenerate(last);
    });
    regenerateAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));

    modelMenu_ = menuBar()->addMenu(QString());
    chooseModelAction_ = modelMenu_->addAction(QString(), this, &MainWindow::chooseModel);
    demoAction_ = modelMenu_->addAction(QString(), this, &MainWindow::useDemoModel);

    viewMenu_ = menuBar()->addMenu(QString());
    sidebarAction_ = viewMenu_->addAction(QString());
    sidebarAction_->setCheckable(true);
    sidebarAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_B));
    connect(sidebarAction_, &QAction::toggled, sidebar_, &QWidget::setVisible);
    settingsAction_ = viewMenu_->addAction(QString());
    settingsAction_->setCheckable(true);
    settingsAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Comma));
    connect(settingsAction_, &QAction::toggled, settingsScroll_, &QWidget::setVisible);

    helpMenu_ = menuBar()->addMenu(QString());
    aboutAction_ = helpMenu_->addAction(QString(), this, [this] {
        QMessageBox::about(this, tr("About ImageBind-LLM"),
                           tr("<p><b>ImageBind-LLM</b> %1</p><p>A desktop assistant that answers questions about images, "
                              "sounds, videos and 3D point clouds with LLaMA-7B, ImageBind and the ImageBind-LLM "
                              "adapter (Han et al., 2023), running locally on this computer.</p>")
                               .arg(QApplication::applicationVersion()));
    });
}

void MainWindow::showAttachedPointCloud() {
    const QList<AttachmentChip*> chips = composer_->attachments()->chips();
    for (auto it = chips.crbegin(); it != chips.crend(); ++it) {
        if ((*it)->spec().modality != ibllm::Modality::Point) continue;
        // The chip reads its cloud once, off the UI thread, and the viewer shows that copy;
        // until it arrives (the bar's previewReady calls this again) there is nothing to show.
        // A file that does not load as a cloud (an embedding .npy, a broken .ply) keeps its
        // chip, which says why; the viewer opens only for a cloud it can draw.
        const std::shared_ptr<const LoadedPointCloud> cloud = (*it)->preview()->pointCloud();
        if (!cloud) return;
        if (cloudPanel_ && cloud->path == cloudPanel_->filePath()) return;  // already shown
        if (!cloudPanel_) {
            cloudPanel_ = new PointCloudPanel(cloudDock_);
            cloudDock_->setWidget(cloudPanel_);
            connect(cloudPanel_, &PointCloudPanel::askRequested, this, &MainWindow::askAboutPointCloud);
        }
        cloudPanel_->showLoaded(cloud);
        cloudDock_->show();
        return;
    }
}

void MainWindow::askAboutPointCloud(const QString& path) {
    const QString wanted = QFileInfo(path).absoluteFilePath();
    bool attached = false;
    for (const app::AttachmentSpec& spec : composer_->attachments()->attachments())
        attached = attached || QFileInfo(spec.path).absoluteFilePath() == wanted;
    if (!attached) composer_->attachFiles({path});
    composer_->editor()->setFocus();
}

void MainWindow::retranslate() {
    cloudDock_->setWindowTitle(tr("Point cloud"));
    fileMenu_->setTitle(tr("&File"));
    newAction_->setText(tr("&New chat"));
    attachAction_->setText(tr("&Attach files…"));
    exportAction_->setText(tr("&Export chat as Markdown…"));
    quitAction_->setText(tr("&Quit"));
    chatMenu_->setTitle(tr("&Chat"));
    focusAction_->setText(tr("&Write a question"));
    stopAction_->setText(tr("&Stop"));
    regenerateAction_->setText(tr("&Regenerate the last answer"));
    modelMenu_->setTitle(tr("&Model"));
    chooseModelAction_->setText(tr("&Choose model files…"));
    demoAction_->setText(tr("Use the &demo model"));
    viewMenu_->setTitle(tr("&View"));
    sidebarAction_->setText(tr("&Conversations"));
    settingsAction_->setText(tr("&Settings panel"));
    helpMenu_->setTitle(tr("&Help"));
    aboutAction_->setText(tr("&About ImageBind-LLM"));
    cancelLoad_->setText(tr("Cancel"));
    cancelLoad_->setToolTip(tr("Stop loading (Esc); the previous model stays loaded"));
    {
        const QSignalBlocker a(sidebarAction_), b(settingsAction_);
        sidebarAction_->setChecked(!sidebar_->isHidden());
        settingsAction_->setChecked(!settingsScroll_->isHidden());
    }
    showBanner(bannerState_, bannerDetail_);
    updateModelStatus();
    const std::optional<app::ConversationSummary> c = conversation_ ? store_.conversation(conversation_) : std::nullopt;
    setWindowTitle(c ? ConversationSidebar::displayTitle(*c) : tr("New chat"));
}

void MainWindow::changeEvent(QEvent* event) {
    QMainWindow::changeEvent(event);
    if (event->type() == QEvent::LanguageChange) retranslate();
}

// ---- model loading -----------------------------------------------------------------------

void MainWindow::startModel(bool forceDemo) {
    const app::ModelConfig config = app::loadModelConfig(settings_);
    if (forceDemo || !config.configured()) {
        useDemoModel();
        return;
    }
    const app::ModelCheck check = app::checkModelPaths(config.paths);
    if (!check.ok()) {
        showBanner(BannerState::LoadFailed, check.problems().first());
        updateModelStatus();
        return;
    }
    loadingDemo_ = false;
    setLoading(true);
    Q_EMIT loadRequested(config.paths, config.options);
}

void MainWindow::useDemoModel() {
    // Remember the choice: the next start uses the demo model too, until real files are chosen.
    app::ModelConfig config = app::loadModelConfig(settings_);
    if (config.configured()) {
        config.paths = ibllm::ModelPaths{};
        app::saveModelConfig(settings_, config);
    }
    loadingDemo_ = true;
    setLoading(true);
    Q_EMIT demoLoadRequested(demoDir_, config.options);
}

void MainWindow::chooseModel() {
    ModelDialog dialog(app::loadModelConfig(settings_), this);
    if (dialog.exec() != QDialog::Accepted) return;
    if (dialog.demoChosen()) {
        useDemoModel();
        return;
    }
    const app::ModelConfig config = dialog.config();
    app::saveModelConfig(settings_, config);
    loadingDemo_ = false;
    setLoading(true);
    Q_EMIT loadRequested(config.paths, config.options);
}

void MainWindow::setLoading(bool loading) {
    loading_ = loading;
    progress_->setVisible(loading);
    cancelLoad_->setVisible(loading);
    progress_->setValue(0);
    if (loading) lastStage_ = loadingDemo_ ? tr("Preparing the demo model") : tr("Loading the model");
    stopAction_->setEnabled(loading_ || isGenerating());
    composer_->setModelReady(isModelReady());
    updateModelStatus();
}

void MainWindow::onProgress(const QString& stage, double fraction) {
    if (!loading_) return;
    lastStage_ = stage;  // the engine's words (English): it names the files it reads
    progress_->setValue(qRound(qBound(0.0, fraction, 1.0) * 1000));
    updateModelStatus();
}

void MainWindow::onLoaded(const ibllm::ModelInfo& info) {
    info_ = info;
    modelLoaded_ = true;
    setLoading(false);
    settingsPanel_->setModelInfo(info, true);
    showBanner(info.demo ? BannerState::Demo : BannerState::None);
    updateModelStatus();
}

void MainWindow::onLoadFailed(const QString& message, bool cancelled) {
    setLoading(false);
    if (cancelled) {
        // The engine keeps what it had: say so, or that nothing is loaded.
        if (!modelLoaded_) showBanner(BannerState::NoModel);
    } else {
        showBanner(BannerState::LoadFailed, message);
    }
    updateModelStatus();
}

void MainWindow::updateModelStatus() {
    if (loading_) {
        modelStatus_->setText(lastStage_ + QStringLiteral("…"));
    } else if (!modelLoaded_) {
        modelStatus_->setText(tr("No model loaded"));
    } else if (info_.demo) {
        modelStatus_->setText(tr("Demo model (random answers)"));
    } else {
        modelStatus_->setText(tr("%1 · %2%3")
                                  .arg(QString::fromStdString(info_.llama), QString::fromStdString(info_.precision),
                                       info_.has_cache ? tr(" · visual cache") : QString()));
    }
}

void MainWindow::showBanner(BannerState state, const QString& detail) {
    bannerState_ = state;
    bannerDetail_ = detail;
    switch (state) {
        case BannerState::None:
            banner_->hide();
            break;
        case BannerState::Demo:
            banner_->showNotice(NoticeBanner::Kind::Info,
                                tr("Demo model: its weights are random, so its answers are random text. For real answers, "
                                   "choose the LLaMA-7B folder (params.json, consolidated.00.pth), tokenizer.model and the "
                                   "ImageBind-LLM adapter 7B.pth under Model › Choose model files."),
                                tr("Choose model files…"));
            break;
        case BannerState::LoadFailed:
            banner_->showNotice(NoticeBanner::Kind::Error, tr("The model could not be loaded: %1").arg(detail),
                                tr("Choose model files…"));
            break;
        case BannerState::NoModel:
            banner_->showNotice(NoticeBanner::Kind::Warning,
                                tr("No model is loaded. Choose the model files, or use the demo model from the Model menu."),
                                tr("Choose model files…"));
            break;
    }
}

// ---- conversations -----------------------------------------------------------------------

void MainWindow::refreshSidebar() { sidebar_->setConversations(store_.search(sidebar_->searchText()), conversation_); }

void MainWindow::newConversation() {
    if (isGenerating()) stop();
    conversation_ = 0;
    chat_->clear();
    sidebar_->setCurrent(0);
    setWindowTitle(tr("New chat"));
    Q_EMIT conversationResetRequested();
    composer_->editor()->setFocus();
}

void MainWindow::openConversation(qint64 id) {
    if (id == conversation_) return;
    if (isGenerating()) stop();  // its answer is still saved to its own conversation
    const std::optional<app::ConversationSummary> c = store_.conversation(id);
    if (!c) {
        refreshSidebar();
        return;
    }
    conversation_ = id;
    chat_->clear();
    for (const app::StoredMessage& m : store_.messages(id)) chat_->addMessage(m);
    chat_->scrollToBottom();
    sidebar_->setCurrent(id);
    setWindowTitle(ConversationSidebar::displayTitle(*c));
    Q_EMIT conversationResetRequested();
}

void MainWindow::renameConversation(qint64 id, const QString& title) {
    if (!store_.renameConversation(id, title)) showStoreError(tr("The conversation could not be renamed."));
    refreshSidebar();
    if (id == conversation_) setWindowTitle(title);
}

void MainWindow::deleteConversation(qint64 id) {
    const std::optional<app::ConversationSummary> c = store_.conversation(id);
    if (!c) return;
    if (confirmDeletes_ &&
        QMessageBox::question(this, tr("Delete conversation"),
                              tr("Delete “%1” and all its messages? This cannot be undone.")
                                  .arg(ConversationSidebar::displayTitle(*c))) != QMessageBox::Yes)
        return;
    if (id == pending_.conversation && isGenerating()) stop();
    if (!store_.deleteConversation(id)) {
        showStoreError(tr("The conversation could not be deleted."));
        return;
    }
    if (id == conversation_) newConversation();
    refreshSidebar();
}

void MainWindow::exportConversation(qint64 id) {
    const std::optional<app::ConversationSummary> c = id ? store_.conversation(id) : std::nullopt;
    if (!c) {
        composer_->showProblem(tr("There is nothing to export yet: ask a question first."));
        return;
    }
    QString name = ConversationSidebar::displayTitle(*c);
    name.replace(QRegularExpression(QStringLiteral("[/\\\\:*?\"<>|]")), QStringLiteral("_"));
    const QString start = QDir(QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation)).absoluteFilePath(name + QStringLiteral(".md"));
    const QString path = QFileDialog::getSaveFileName(this, tr("Export as Markdown"), start, tr("Markdown (*.md)"));
    if (path.isEmpty()) return;
    const QString error = app::exportConversationMarkdown(store_, id, path);
    if (!error.isEmpty()) QMessageBox::warning(this, tr("Export as Markdown"), error);
}

qint64 MainWindow::ensureConversation(const QString& firstQuestion) {
    if (conversation_ && store_.conversation(conversation_)) return conversation_;
    conversation_ = store_.createConversation(titleFrom(firstQuestion));
    if (conversation_) setWindowTitle(titleFrom(firstQuestion));
    return conversation_;
}

void MainWindow::showStoreError(const QString& fallback) {
    composer_->showProblem(store_.lastError().isEmpty() ? fallback : store_.lastError());
}

// ---- asking ------------------------------------------------------------------------------

void MainWindow::sendQuestion(const QString& text) {
    if (isGenerating() || text.trimmed().isEmpty()) return;
    if (!isModelReady()) {
        composer_->showProblem(tr("The model is not loaded yet; your question stays here until it is."));
        return;
    }
    QList<app::AttachmentSpec> attachments = composer_->attachments()->attachments();
    // "Live" microphone: the last seconds of sound go with the question as an audio clip.
    const QString liveClip = composer_->recorder()->takeLiveClip();
    if (!liveClip.isEmpty()) {
        app::AttachmentSpec clip;
        clip.modality = ibllm::Modality::Audio;
        clip.path = liveClip;
        attachments.append(clip);
    }
    composer_->takeQuestion();
    settings_.setValue(kHistoryKey, composer_->history().entries());
    ask(text, attachments);
}

void MainWindow::ask(const QString& text, const QList<app::AttachmentSpec>& attachments) {
    const qint64 conversation = ensureConversation(text);
    if (!conversation) {
        showStoreError(tr("The conversation could not be saved."));
        return;
    }
    const QList<app::StoredMessage> earlier = store_.messages(conversation);
    const ibllm::AskRequest request =
        app::buildAskRequest(earlier, text, attachments, settingsPanel_->answerSettings());

    QList<qint64> attachmentIds;
    const qint64 questionId = store_.appendMessage(conversation, app::Role::User, text, {}, attachments, &attachmentIds);
    if (!questionId) {
        showStoreError(tr("The question could not be saved."));
        return;
    }
    app::ConversationStore* store = &store_;
    for (int i = 0; i < attachments.size() && i < attachmentIds.size(); ++i) {
        const qint64 attachmentId = attachmentIds[i];
        app::hashFileAsync(attachments[i].path, this, [store, attachmentId](const QString& sha) {
            if (!sha.isEmpty()) store->setAttachmentHash(attachmentId, sha);
        });
    }

    app::StoredMessage question;
    question.id = questionId;
    question.conversation = conversation;
    question.role = app::Role::User;
    question.text = text;
    for (int i = 0; i < attachments.size(); ++i) {
        const app::AttachmentSpec& a = attachments[i];
        question.attachments.append({i < attachmentIds.size() ? attachmentIds[i] : 0, a.modality, a.path, a.sha256, a.weight});
    }
    chat_->addMessage(question);
    refreshSidebar();
    startAnswer(request, conversation);
}

void MainWindow::startAnswer(const ibllm::AskRequest& request, qint64 conversation) {
    pending_.id = ++lastRequestId_;
    pending_.conversation = conversation;
    pending_.widget = chat_->addStreamingAnswer();
    setBusy(true);
    Q_EMIT askRequested(pending_.id, request);
}

void MainWindow::setBusy(bool busy) {
    composer_->setGenerating(busy);
    chat_->setBusy(busy);
    stopAction_->setEnabled(busy || loading_);
    regenerateAction_->setEnabled(!busy);
}

void MainWindow::stop() {
    if (isGenerating()) {
        worker_.cancel(pending_.id);  // direct and thread-safe: the worker thread is busy generating
        return;
    }
    if (loading_) worker_.cancelLoading();
}

void MainWindow::regenerate(MessageWidget* answer) {
    if (isGenerating() || !answer || answer->role() != app::Role::Assistant || !conversation_) return;
    if (!isModelReady()) {
        composer_->showProblem(tr("The model is not loaded yet."));
        return;
    }
    const QList<MessageWidget*> all = chat_->messages();
    const int index = int(all.indexOf(answer));
    if (index <= 0 || all[index - 1]->role() != app::Role::User) return;
    MessageWidget* question = all[index - 1];

    QList<app::StoredMessage> earlier;
    for (const app::StoredMessage& m : store_.messages(conversation_)) {
        if (m.id >= question->messageId()) break;
        earlier.append(m);
    }
    QList<app::AttachmentSpec> attachments;
    for (const app::StoredAttachment& a : question->attachments()) attachments.append(a.spec());
    if (answer->messageId() && !store_.deleteMessagesFrom(conversation_, answer->messageId())) {
        showStoreError(tr("The old answer could not be removed."));
        return;
    }
    chat_->removeFrom(answer);
    startAnswer(app::buildAskRequest(earlier, question->text(), attachments, settingsPanel_->answerSettings()), conversation_);
}

void MainWindow::resend(MessageWidget* question, const QString& text) {
    if (isGenerating() || !question) return;
    if (!isModelReady()) {
        composer_->showProblem(tr("The model is not loaded yet."));
        return;
    }
    QList<app::AttachmentSpec> attachments;
    for (const app::StoredAttachment& a : question->attachments()) attachments.append(a.spec());
    if (conversation_ && question->messageId() && !store_.deleteMessagesFrom(conversation_, question->messageId())) {
        showStoreError(tr("The old question could not be replaced."));
        return;
    }
    chat_->removeFrom(question);
    ask(text, attachments);
}

void MainWindow::onToken(quint64 requestId, const QString& text) {
    if (requestId != pending_.id) return;  // a stopped request's last pieces
    if (pending_.widget) pending_.widget->appendStreamText(text);
}

void MainWindow::onFinished(quint64 requestId, const ibllm::AskStats& stats) {
    if (requestId != pending_.id) return;
    const PendingAnswer done = pending_;
    pending_ = PendingAnswer{};
    setBusy(false);
    QString text = QString::fromStdString(stats.text);
    if (text.isEmpty() && done.widget) text = done.widget->text();
    const QJsonObject json = app::statsToJson(stats);
    if (text.isEmpty()) {
        // Stopped before the first word: nothing worth saving.
        if (done.widget) done.widget->showError(tr("Stopped before the model wrote anything."));
        return;
    }
    // The answer is saved only now, in one transaction: a crash mid-answer loses just this answer.
    qint64 id = 0;
    if (store_.conversation(done.conversation)) {
        id = store_.appendMessage(done.conversation, app::Role::Assistant, text, json);
        if (!id) showStoreError(tr("The answer could not be saved."));
    }
    if (done.widget) {
        done.widget->setMessageId(id);
        if (done.widget->text() != text) done.widget->setText(text);
        done.widget->finishStreaming(json);
    }
    refreshSidebar();
}

void MainWindow::onFailed(quint64 requestId, const QString& message) {
    if (requestId != pending_.id) return;
    const PendingAnswer done = pending_;
    pending_ = PendingAnswer{};
    setBusy(false);
    if (done.widget) done.widget->showError(message);
}

// ---- attachments ---------------------------------------------------------------------------

void MainWindow::attachFilesWithDialog() {
    const QStringList files =
        QFileDialog::getOpenFileNames(this, tr("Attach files"), attachDir_, AttachmentBar::fileDialogFilter());
    if (files.isEmpty()) return;
    attachDir_ = QFileInfo(files.first()).absolutePath();
    settings_.setValue(QStringLiteral("composer/attach_dir"), attachDir_);
    composer_->attachFiles(files);
    composer_->editor()->setFocus();
}

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
    if (isGenerating() && pending_.widget && !pending_.widget->text().isEmpty() && store_.conversation(pending_.conversation)) {
        ibllm::AskStats partial;
        partial.cancelled = true;
        partial.generated_tokens = pending_.widget->streamedPieces();
        partial.tokens_per_s = pending_.widget->liveTokensPerSecond();
        store_.appendMessage(pending_.conversation, app::Role::Assistant, pending_.widget->text(), app::statsToJson(partial));
    }
    if (isGenerating()) worker_.cancel(pending_.id);
    if (loading_) worker_.cancelLoading();
    pending_ = PendingAnswer{};
    settings_.setValue(QStringLiteral("window/conversation"), conversation_);
    settings_.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings_.setValue(QStringLiteral("window/splitter"), splitter_->saveState());
    settings_.setValue(QStringLiteral("window/settings_visible"), !settingsScroll_->isHidden());
    settings_.setValue(QStringLiteral("window/sidebar_visible"), !sidebar_->isHidden());
    QMainWindow::closeEvent(event);
}

}  // namespace ibllm::ui
