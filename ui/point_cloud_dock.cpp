#include "ui/point_cloud_dock.h"

#include <QEvent>
#include <QFileInfo>

#include "ui/attachment_bar.h"
#include "ui/attachment_chip.h"
#include "ui/attachment_preview.h"
#include "ui/composer.h"
#include "ui/point_cloud_panel.h"

namespace ibllm::ui {

PointCloudDock::PointCloudDock(Composer* composer, QWidget* parent) : QDockWidget(parent), composer_(composer) {
    setObjectName(QStringLiteral("pointCloudDock"));
    setAllowedAreas(Qt::BottomDockWidgetArea | Qt::RightDockWidgetArea);
    setWindowTitle(tr("Point cloud"));
    connect(composer_->attachments(), &AttachmentBar::changed, this, &PointCloudDock::showNewestCloud);
    connect(composer_->attachments(), &AttachmentBar::previewReady, this, &PointCloudDock::showNewestCloud);
}

void PointCloudDock::changeEvent(QEvent* event) {
    QDockWidget::changeEvent(event);
    if (event->type() == QEvent::LanguageChange) setWindowTitle(tr("Point cloud"));
}

void PointCloudDock::showNewestCloud() {
    const QList<AttachmentChip*> chips = composer_->attachments()->chips();
    for (auto it = chips.crbegin(); it != chips.crend(); ++it) {
        if ((*it)->spec().modality != ibllm::Modality::Point) continue;
        // The chip reads its cloud once, off the UI thread; until it arrives (the bar's
        // previewReady calls this again) there is nothing to show. A file that does not load
        // as a cloud keeps its chip, which says why; the viewer opens only for one it can draw.
        const std::shared_ptr<const LoadedPointCloud> cloud = (*it)->preview()->pointCloud();
        if (!cloud) return;
        if (panel_ && cloud->path == panel_->filePath()) return;  // already shown
        if (!panel_) {
            panel_ = new PointCloudPanel(this);
            setWidget(panel_);
            connect(panel_, &PointCloudPanel::askRequested, this, &PointCloudDock::askAbout);
        }
        panel_->showLoaded(cloud);
        show();
        return;
    }
}

void PointCloudDock::askAbout(const QString& path) {
    const QString wanted = QFileInfo(path).absoluteFilePath();
    bool attached = false;
    for (const app::AttachmentSpec& spec : composer_->attachments()->attachments())
        attached = attached || QFileInfo(spec.path).absoluteFilePath() == wanted;
    if (!attached) composer_->attachFiles({path});
    composer_->editor()->setFocus();
}

}  // namespace ibllm::ui
