#include "ui/point_cloud_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QEvent>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include "ui/point_cloud_note.h"
#include "ui/point_cloud_view.h"

namespace ibllm::ui {

PointCloudPanel::PointCloudPanel(QWidget* parent) : QWidget(parent) {
    view_ = new PointCloudView(this);
    reset_ = new QPushButton(this);
    sizeLabel_ = new QLabel(this);
    pointSize_ = new QDoubleSpinBox(this);
    pointSize_->setRange(1.0, 20.0);
    pointSize_->setSingleStep(0.5);
    pointSize_->setValue(view_->pointSize());
    colour_ = new QComboBox(this);
    box_ = new QCheckBox(this);
    box_->setChecked(view_->boundingBoxVisible());
    count_ = new QLabel(this);
    count_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    note_ = new QLabel(this);
    note_->setWordWrap(true);
    note_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    note_->hide();
    ask_ = new QPushButton(this);
    ask_->setEnabled(false);

    auto* controls = new QHBoxLayout;
    controls->addWidget(reset_);
    controls->addWidget(sizeLabel_);
    controls->addWidget(pointSize_);
    controls->addWidget(colour_);
    controls->addWidget(box_);
    controls->addStretch(1);
    controls->addWidget(ask_);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(view_, 1);
    layout->addLayout(controls);
    layout->addWidget(count_);
    layout->addWidget(note_);

    connect(reset_, &QPushButton::clicked, view_, &PointCloudView::resetView);
    connect(pointSize_, &QDoubleSpinBox::valueChanged, view_, &PointCloudView::setPointSize);
    connect(box_, &QCheckBox::toggled, view_, &PointCloudView::setBoundingBoxVisible);
    connect(colour_, &QComboBox::currentIndexChanged, this, [this](int index) {
        view_->setColourMode(index == 1 ? PointCloudView::ColourMode::FileColours
                                        : PointCloudView::ColourMode::Height);
    });
    connect(view_, &PointCloudView::cloudChanged, this, &PointCloudPanel::refreshControls);
    connect(ask_, &QPushButton::clicked, this, [this] {
        if (!path_.isEmpty()) Q_EMIT askRequested(path_);
    });
    retranslate();
}

void PointCloudPanel::showFile(const QString& path) {
    delete loading_;  // a result still on its way is no longer wanted
    pendingPath_ = path;
    loading_ = new QFutureWatcher<std::shared_ptr<const LoadedPointCloud>>(this);
    connect(loading_, &QFutureWatcherBase::finished, this, [this, watcher = loading_] {
        loading_ = nullptr;
        watcher->deleteLater();
        showLoaded(watcher->result());
    });
    loading_->setFuture(QtConcurrent::run(&loadPointCloudForDisplay, path));
    refreshControls();
}

void PointCloudPanel::showLoaded(std::shared_ptr<const LoadedPointCloud> cloud) {
    if (!cloud) return;
    delete loading_;
    loading_ = nullptr;
    pendingPath_.clear();
    if (cloud->ok()) {
        view_->setDisplayCloud(cloud->display, cloud->points);
        path_ = cloud->path;
        error_.clear();
        points_ = cloud->points;
        nonFinite_ = cloud->nonFinite;
    } else {
        path_.clear();
        error_ = cloud->error;
        points_ = nonFinite_ = 0;
        view_->clear();
    }
    refreshControls();
    Q_EMIT fileShown(cloud->path, cloud->ok());
}

void PointCloudPanel::refreshControls() {
    ask_->setEnabled(!path_.isEmpty());
    colour_->setItemData(1, view_->hasFileColours() ? QVariant() : QVariant(0), Qt::UserRole - 1);
    {
        const QSignalBlocker block(colour_);
        colour_->setCurrentIndex(view_->colourMode() == PointCloudView::ColourMode::FileColours ? 1 : 0);
    }
    if (loading_) {
        count_->setText(tr("Reading %1…").arg(QFileInfo(pendingPath_).fileName()));
    } else if (!error_.isEmpty()) {
        count_->setText(error_);
    } else if (path_.isEmpty()) {
        count_->setText(view_->totalPoints() > 0 ? view_->countText() : QString());
    } else {
        count_->setText(tr("%1: %2").arg(QFileInfo(path_).fileName(), view_->countText()));
    }
    note_->setText(path_.isEmpty() ? QString() : pointCloudPreparationNote(points_, nonFinite_));
    note_->setVisible(!note_->text().isEmpty());
}

void PointCloudPanel::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange) retranslate();
    QWidget::changeEvent(event);
}

void PointCloudPanel::retranslate() {
    reset_->setText(tr("Reset view"));
    reset_->setToolTip(tr("Left drag orbits, right or middle drag pans, the wheel zooms."));
    sizeLabel_->setText(tr("Point size"));
    box_->setText(tr("Bounding box"));
    ask_->setText(tr("Ask about this cloud"));
    const QSignalBlocker block(colour_);
    const int current = colour_->currentIndex();
    colour_->clear();
    colour_->addItem(tr("Colour by height"));
    colour_->addItem(tr("Colours from the file"));
    colour_->setCurrentIndex(std::max(0, current));
    refreshControls();
}

}  // namespace ibllm::ui
