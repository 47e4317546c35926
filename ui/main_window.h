#pragma once
// The desktop assistant's window: conversations on the left, the chat with its composer in
// the middle, answer settings on the right, model loading in the status bar.
//
// It talks to the engine worker only through queued signals (askRequested, loadRequested,
// ...) and the worker's thread-safe cancel calls, so it never waits on the engine.
#include <QMainWindow>
#include <QPointer>
#include <QSettings>

#include "app/answer_settings.h"
#include "app/attachment_spec.h"
#include "app/conversation_store.h"
#include "app/engine_worker.h"
#include "app/model_config.h"

class QAction;
class QDockWidget;
class QLabel;
class QProgressBar;
class QPushButton;
class QScrollArea;
class QSplitter;

namespace ibllm::ui {

class ChatView;
class Composer;
class ConversationSidebar;
class MessageWidget;
class NoticeBanner;
class PointCloudPanel;
class SettingsPanel;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    // `store`, `worker` and `settings` outlive the window. The worker lives in its own
    // thread; the window connects to it and calls only its thread-safe cancel functions.
    MainWindow(app::ConversationStore& store, app::EngineWorker& worker, QSettings& settings, QWidget* parent = nullptr);
    ~MainWindow() override;

    // Loads the configured model, or the demo model when none is configured or `forceDemo`.
    void startModel(bool forceDemo = false);
    // Where the demo model is written (default: AppDataLocation/demo-model).
    void setDemoModelDir(const QString& dir) { demoDir_ = dir; }
    // Asks before deleting a conversation (tests turn it off).
    void setConfirmDeletes(bool confirm) { confirmDeletes_ = confirm; }

    ChatView* chatView() const { return chat_; }
    Composer* composer() const { return composer_; }
    ConversationSidebar* sidebar() const { return sidebar_; }
    SettingsPanel* settingsPanel() const { return settingsPanel_; }
    NoticeBanner* modelBanner() const { return banner_; }
    // The 3D viewer, shown below the chat when a point cloud that loads is attached;
    // nullptr until the first such cloud.
    PointCloudPanel* pointCloudPanel() const { return cloudPanel_; }
    QDockWidget* pointCloudDock() const { return cloudDock_; }
    QAction* stopAction() const { return stopAction_; }

    bool isModelReady() const { return modelLoaded_ && !loading_; }
    bool isLoading() const { return loading_; }
    bool isGenerating() const { return pending_.id != 0; }
    qint64 currentConversation() const { return conversation_; }
    ibllm::ModelInfo modelInfo() const { return info_; }

public Q_SLOTS:
    void newConversation();
    void openConversation(qint64 id);
    // Asks `text` about the composer's attachments (as Enter does).
    void sendQuestion(const QString& text);
    // Stops the answer being written, or the model being loaded.
    void stop();
    void attachFilesWithDialog();
    void chooseModel();
    void useDemoModel();
    void exportConversation(qint64 id);
    void deleteConversation(qint64 id);
    void renameConversation(qint64 id, const QString& title);

Q_SIGNALS:
    // To the worker (queued). Tests listen too: this is exactly what the engine is asked.
    void askRequested(quint64 requestId, const ibllm::AskRequest& request);
    void loadRequested(const ibllm::ModelPaths& paths, const ibllm::LoadOptions& options);
    void demoLoadRequested(const QString& dir, const ibllm::LoadOptions& options);
    void conversationResetRequested();

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void closeEvent(QCloseEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    enum class BannerState { None, Demo, LoadFailed, NoModel };
    struct PendingAnswer {
        quint64 id = 0;
        qint64 conversation = 0;
        QPointer<MessageWidget> widget;
    };

    void buildMenus();
    void retranslate();
    void connectWorker();
    void refreshSidebar();
    void showBanner(BannerState state, const QString& detail = QString());
    void updateModelStatus();
    void setBusy(bool busy);
    void setLoading(bool loading);

    // Saves the question and streams its answer; `attachments` are the question's own.
    void ask(const QString& text, const QList<app::AttachmentSpec>& attachments);
    void startAnswer(const ibllm::AskRequest& request, qint64 conversation);
    void regenerate(MessageWidget* answer);
    void resend(MessageWidget* question, const QString& text);
    qint64 ensureConversation(const QString& firstQuestion);
    void showStoreError(const QString& fallback);
    // Shows the newest point-cloud attachment in the viewer (only when it loads).
    void showAttachedPointCloud();
    // "Ask about this cloud": makes sure the cloud is attached and focuses the prompt.
    void askAboutPointCloud(const QString& path);

    void onProgress(const QString& stage, double fraction);
    void onLoaded(const ibllm::ModelInfo& info);
    void onLoadFailed(const QString& message, bool cancelled);
    void onToken(quint64 requestId, const QString& text);
    void onFinished(quint64 requestId, const ibllm::AskStats& stats);
    void onFailed(quint64 requestId, const QString& message);

    app::ConversationStore& store_;
    app::EngineWorker& worker_;
    QSettings& settings_;
    QString demoDir_;
    bool confirmDeletes_ = true;

    qint64 conversation_ = 0;  // 0: a new chat not saved yet
    PendingAnswer pending_;
    quint64 lastRequestId_ = 0;
    bool modelLoaded_ = false;
    bool loading_ = false;
    bool loadingDemo_ = false;
    ibllm::ModelInfo info_;
    BannerState bannerState_ = BannerState::None;
    QString bannerDetail_;
    QString lastStage_;
    QString attachDir_;

    QSplitter* splitter_;
    ConversationSidebar* sidebar_;
    NoticeBanner* banner_;
    ChatView* chat_;
    Composer* composer_;
    QScrollArea* settingsScroll_;
    SettingsPanel* settingsPanel_;
    QLabel* modelStatus_;
    QProgressBar* progress_;
    QPushButton* cancelLoad_;
    QDockWidget* cloudDock_;
    PointCloudPanel* cloudPanel_;

    QMenu* fileMenu_;
    QMenu* chatMenu_;
    QMenu* modelMenu_;
    QMenu* viewMenu_;
    QMenu* helpMenu_;
    QAction* newAction_;
    QAction* attachAction_;
    QAction* exportAction_;
    QAction* quitAction_;
    QAction* focusAction_;
    QAction* stopAction_;
    QAction* regenerateAction_;
    QAction* chooseModelAction_;
    QAction* demoAction_;
    QAction* sidebarAction_;
    QAction* settingsAction_;
    QAction* aboutAction_;
};

}  // namespace ibllm::ui
