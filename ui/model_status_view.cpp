#include "ui/model_status_view.h"

#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QStatusBar>

#include "app/chat_session.h"
#include "ui/notice_banner.h"

namespace ibllm::ui {

ModelStatusView::ModelStatusView(app::ChatSession& session, NoticeBanner* banner, QStatusBar* statusBar, QObject* parent)
    : QObject(parent), session_(session), banner_(banner) {
    status_ = new QLabel(statusBar);
    progress_ = new QProgressBar(statusBar);
    progress_->setRange(0, 1000);
    progress_->setMaximumWidth(220);
    progress_->setTextVisible(false);
    progress_->hide();
    cancel_ = new QPushButton(statusBar);
    cancel_->hide();
    statusBar->addWidget(status_, 1);
    statusBar->addPermanentWidget(progress_);
    statusBar->addPermanentWidget(cancel_);
    connect(cancel_, &QPushButton::clicked, this, &ModelStatusView::cancelRequested);

    connect(&session_, &app::ChatSession::loadingChanged, this, &ModelStatusView::onLoading);
    connect(&session_, &app::ChatSession::loadProgress, this, [this](const QString& stage, double fraction) {
        stage_ = stage;  // the engine's words (English): it names the files it reads
        progress_->setValue(qRound(qBound(0.0, fraction, 1.0) * 1000));
        updateStatus();
    });
    connect(&session_, &app::ChatSession::modelLoaded, this,
            [this](const ibllm::ModelInfo& info) { showBanner(info.demo ? Banner::Demo : Banner::None); });
    connect(&session_, &app::ChatSession::loadFailed, this, [this](const QString& message, bool cancelled) {
        // A cancelled load keeps what the engine had: say so only when that is nothing.
        if (!cancelled)
            showBanner(Banner::LoadFailed, message);
        else if (!session_.hasModel())
            showBanner(Banner::NoModel);
    });
    retranslate();
}

void ModelStatusView::onLoading(bool loading) {
    progress_->setVisible(loading);
    cancel_->setVisible(loading);
    progress_->setValue(0);
    if (loading) stage_ = session_.isLoadingDemo() ? tr("Preparing the demo model") : tr("Loading the model");
    updateStatus();
}

void ModelStatusView::showLoadProblem(const QString& message) {
    showBanner(Banner::LoadFailed, message);
    updateStatus();
}

void ModelStatusView::retranslate() {
    cancel_->setText(tr("Cancel"));
    cancel_->setToolTip(tr("Stop loading (Esc); the previous model stays loaded"));
    showBanner(bannerState_, bannerDetail_);
    updateStatus();
}

void ModelStatusView::updateStatus() {
    const ibllm::ModelInfo& info = session_.modelInfo();
    if (session_.isLoading()) {
        status_->setText(stage_ + QStringLiteral("…"));
    } else if (!session_.hasModel()) {
        status_->setText(tr("No model loaded"));
    } else if (info.demo) {
        status_->setText(tr("Demo model (random answers)"));
    } else {
        status_->setText(tr("%1 · %2%3")
                             .arg(QString::fromStdString(info.llama), QString::fromStdString(info.precision),
                                  info.has_cache ? tr(" · visual cache") : QString()));
    }
}

void ModelStatusView::showBanner(Banner state, const QString& detail) {
    bannerState_ = state;
    bannerDetail_ = detail;
    switch (state) {
        case Banner::None:
            banner_->hide();
            break;
        case Banner::Demo:
            banner_->showNotice(NoticeBanner::Kind::Info,
                                tr("Demo model: its weights are random, so its answers are random text. For real answers, "
                                   "choose the LLaMA-7B folder (params.json, consolidated.00.pth), tokenizer.model and the "
                                   "ImageBind-LLM adapter 7B.pth under Model › Choose model files."),
                                tr("Choose model files…"));
            break;
        case Banner::LoadFailed:
            banner_->showNotice(NoticeBanner::Kind::Error, tr("The model could not be loaded: %1").arg(detail),
                                tr("Choose model files…"));
            break;
        case Banner::NoModel:
            banner_->showNotice(NoticeBanner::Kind::Warning,
                                tr("No model is loaded. Choose the model files, or use the demo model from the Model menu."),
                                tr("Choose model files…"));
            break;
    }
}

}  // namespace ibllm::ui
