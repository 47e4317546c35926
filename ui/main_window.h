#pragma once
// The desktop assistant's window: conversations on the left, the chat with its composer in
// the middle, answer settings on the right, model loading in the status bar.
//
// It holds windows and wiring only: what a question does (saving it, asking the engine,
// streaming and saving the answer) is app::ChatSession's, which never waits on the engine.
#include <QMainWindow>
#include <QPointer>
#include <QSettings>

#include "app/answer_settings.h"
#include "app/attachment_spec.h"
#include "app/chat_session.h"
#include "app/server/local_server.h"
#include "app/conversation_store.h"
#include "app/engine_worker.h"

class QAction;
class QScrollArea;
class QSplitter;

namespace ibllm::ui {

class ChatView;
class Composer;
class ConversationList;
class ConversationSidebar;
class MainMenus;
class MessageWidget;
class ModelStatusView;
class NoticeBanner;
class PointCloudDock;
class PointCloudPanel;
class SettingsPanel;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    // `store`, `worker` and `settings` outlive the window. The worker lives in its own
    // thread; the window's chat session talks to it.
    MainWindow(app::ConversationStore& store, app::EngineWorker& worker, QSettings& settings, QWidget* parent = nullptr);
    ~MainWindow() override;

    // Loads the configured model, or the demo model when none is configured or `forceDemo`.
    void startModel(bool forceDemo = false);
    // Where the demo model is written (default: AppDataLocation/demo-model).
    void setDemoModelDir(const QString& dir) { demoDir_ = dir; }
    // Asks before deleting a conversation (tests turn it off).
    void setConfirmDeletes(bool confirm);

    // The conversation's flow: what is asked of the engine, and what it answered.
    app::ChatSession* session() const { return session_; }
    ChatView* chatView() const { return chat_; }
    Composer* composer() const { return composer_; }
    ConversationSidebar* sidebar() const { return sidebar_; }
    SettingsPanel* settingsPanel() const { return settingsPanel_; }
    NoticeBanner* modelBanner() const { return banner_; }
    // The 3D viewer, shown below the chat when a point cloud that loads is attached;
    // nullptr until the first such cloud.
    PointCloudPanel* pointCloudPanel() const;
    PointCloudDock* pointCloudDock() const { return cloudDock_; }
    QAction* stopAction() const;

    bool isModelReady() const;
    bool isLoading() const;
    bool isGenerating() const;
    qint64 currentConversation() const;
    ibllm::ModelInfo modelInfo() const;

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

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void closeEvent(QCloseEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    void connectMenus();
    void connectSession();
    void retranslate();
    void updateTitle();
    void updateActions();
    void regenerate(MessageWidget* answer);
    void resend(MessageWidget* question, const QString& text);
    void showProblem(const QString& message);
    // The local server: on or off as the user chose (remembered), named after the model.
    void setServing(bool on);
    QString servedModelName() const;

    app::ConversationStore& store_;
    QSettings& settings_;
    app::ChatSession* session_;
    app::LocalServer* localServer_;
    QString demoDir_;

    QSplitter* splitter_;
    ConversationSidebar* sidebar_;
    NoticeBanner* banner_;
    ChatView* chat_;
    Composer* composer_;
    QScrollArea* settingsScroll_;
    SettingsPanel* settingsPanel_;
    ModelStatusView* modelStatus_;
    MainMenus* menus_;
    ConversationList* conversations_;
    PointCloudDock* cloudDock_;
};

}  // namespace ibllm::ui
