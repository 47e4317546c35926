#pragma once
// What the window says about the model: the status bar (what is loaded, or the loading
// stage with a progress bar and Cancel) and the banner above the chat (the demo model, a
// failed load, no model). It follows the session's model signals.
#include <QObject>
#include <QString>

class QLabel;
class QProgressBar;
class QPushButton;
class QStatusBar;

namespace ibllm::app {
class ChatSession;
}

namespace ibllm::ui {

class NoticeBanner;

class ModelStatusView : public QObject {
    Q_OBJECT
public:
    ModelStatusView(app::ChatSession& session, NoticeBanner* banner, QStatusBar* statusBar, QObject* parent);

    // A model that cannot be loaded before asking the engine (a missing file): the banner
    // says so, with the fix.
    void showLoadProblem(const QString& message);
    void retranslate();

Q_SIGNALS:
    // Cancel was pressed while loading.
    void cancelRequested();

private:
    enum class Banner { None, Demo, LoadFailed, NoModel };
    void showBanner(Banner state, const QString& detail = QString());
    void updateStatus();
    void onLoading(bool loading);

    app::ChatSession& session_;
    NoticeBanner* banner_;
    QLabel* status_;
    QProgressBar* progress_;
    QPushButton* cancel_;
    Banner bannerState_ = Banner::None;
    QString bannerDetail_;
    QString stage_;
};

}  // namespace ibllm::ui
