#include "ui/attachment_bar.h"

#include <QMenu>

#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QScrollBar>
#include <algorithm>

#include "ui/attachment_chip.h"

namespace ibllm::ui {

AttachmentBar::AttachmentBar(QWidget* parent) : QScrollArea(parent) {
    setFrameShape(QFrame::NoFrame);
    setWidgetResizable(true);
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    row_ = new QWidget(this);
    layout_ = new QHBoxLayout(row_);
    layout_->setContentsMargins(0, 0, 0, 0);
    layout_->setSpacing(6);
    layout_->addStretch(1);
    setWidget(row_);
    hide();
}

QString AttachmentBar::fileDialogFilter() {
    auto patterns = [](ibllm::Modality m) {
        QStringList out;
        for (const QString& ext : app::knownExtensions(m)) out.append(QStringLiteral("*.") + ext);
        return out;
    };
    QStringList all;
    for (ibllm::Modality m : {Modality::Image, Modality::Audio, Modality::Video, Modality::Point, Modality::Imu})
        all += patterns(m);
    QStringList filters;
    filters << tr("Everything ImageBind reads (%1)").arg(all.join(QLatin1Char(' ')))
            << tr("Images (%1)").arg(patterns(Modality::Image).join(QLatin1Char(' ')))
            << tr("Audio (%1)").arg(patterns(Modality::Audio).join(QLatin1Char(' ')))
            << tr("Video (%1)").arg(patterns(Modality::Video).join(QLatin1Char(' ')))
            << tr("Point clouds and embeddings (%1)").arg(patterns(Modality::Point).join(QLatin1Char(' ')))
            << tr("IMU recordings (%1)").arg(patterns(Modality::Imu).join(QLatin1Char(' ')));
    return filters.join(QStringLiteral(";;"));
}

QStringList AttachmentBar::addFiles(const QStringList& dropped) {
    QStringList problems;
    QStringList paths = dropped;
    if (onellm_) {
        // An image and its depth (normal) map dropped together are one RGB-D (RGB-N) input.
        for (const app::AttachmentSpec& spec : app::pairImageMaps(dropped)) {
            if (spec.modality != Modality::Rgbd && spec.modality != Modality::Rgbn) continue;
            for (const QString& part : app::imagePairParts(spec.path))
                for (const QString& p : dropped)
                    if (QFileInfo(p) == QFileInfo(part)) paths.removeAll(p);
            addAttachment(spec);
        }
    }
    for (const QString& path : paths) {
        const QFileInfo fi(path);
        const QString name = QDir::toNativeSeparators(path);
        if (!fi.exists()) {
            problems << tr("%1 does not exist.").arg(name);
            continue;
        }
        if (fi.isDir()) {
            problems << tr("%1 is a folder; attach the files inside it.").arg(name);
            continue;
        }
        const std::optional<ibllm::Modality> modality = app::modalityForFile(path);
        if (!modality) {
            problems << tr("%1: unknown file type. Attach images (jpg, png, …), audio (wav, mp3, …), video (mp4, mkv, …), "
                           "point clouds (ply, pcd, xyz, …), embeddings (npy) or IMU recordings (csv).")
                            .arg(fi.fileName());
            continue;
        }
        bool duplicate = false;
        for (const app::AttachmentSpec& s : attachments()) duplicate = duplicate || QFileInfo(s.path) == fi;
        if (duplicate) {
            problems << tr("%1 is attached already.").arg(fi.fileName());
            continue;
        }
        app::AttachmentSpec spec;
        spec.modality = *modality;
        spec.path = fi.absoluteFilePath();
        addAttachment(spec);
    }
    return problems;
}

void AttachmentBar::setOnellm(bool onellm) {
    onellm_ = onellm;
    updateNotices();
}

void AttachmentBar::updateNotices() {
    const QList<AttachmentChip*> all = chips();
    for (AttachmentChip* c : all) c->setFamily(onellm_, all.size());
}

bool AttachmentBar::pairAsMap(AttachmentChip* map, AttachmentChip* photo, ibllm::Modality kind) {
    if (!map || !photo || map == photo || map->spec().modality != Modality::Image || photo->spec().modality != Modality::Image ||
        (kind != Modality::Rgbd && kind != Modality::Rgbn))
        return false;
    app::AttachmentSpec pair;
    pair.modality = kind;
    pair.path = photo->spec().path + QLatin1Char(',') + map->spec().path;
    const int at = layout_->indexOf(photo);
    for (AttachmentChip* c : {map, photo}) {
        layout_->removeWidget(c);
        c->deleteLater();
    }
    addAttachment(pair);
    // In the photo's place.
    AttachmentChip* added = chips().last();
    layout_->removeWidget(added);
    layout_->insertWidget(qMin(at, layout_->count() - 1), added);
    updateNotices();
    return true;
}

void AttachmentBar::showPairingMenu(AttachmentChip* chip, const QPoint& at) {
    if (!onellm_ || chip->spec().modality != Modality::Image) return;
    QMenu menu(this);
    for (AttachmentChip* photo : chips()) {
        if (photo == chip || photo->spec().modality != Modality::Image) continue;
        const QString name = QFileInfo(photo->spec().path).fileName();
        connect(menu.addAction(tr("Use as the depth map of %1").arg(name)), &QAction::triggered, this,
                [this, chip, photo] { pairAsMap(chip, photo, Modality::Rgbd); });
        connect(menu.addAction(tr("Use as the normal map of %1").arg(name)), &QAction::triggered, this,
                [this, chip, photo] { pairAsMap(chip, photo, Modality::Rgbn); });
    }
    if (!menu.isEmpty()) menu.exec(chip->mapToGlobal(at));
}

void AttachmentBar::addAttachment(const app::AttachmentSpec& spec) {
    auto* chip = new AttachmentChip(spec, row_);
    chip->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(chip, &QWidget::customContextMenuRequested, this, [this, chip](const QPoint& at) { showPairingMenu(chip, at); });
    layout_->insertWidget(layout_->count() - 1, chip);
    connect(chip, &AttachmentChip::removeRequested, this, [this, chip] { removeChip(chip); });
    connect(chip, &AttachmentChip::changed, this, &AttachmentBar::changed);
    connect(chip, &AttachmentChip::previewReady, this, [this, chip] {
        fitHeight();
        Q_EMIT previewReady(chip);
    });
    updateNotices();
    fitHeight();
    show();
    Q_EMIT changed();
}

void AttachmentBar::fitHeight() {
    int tallest = 0;
    for (const AttachmentChip* chip : chips()) tallest = std::max(tallest, chip->sizeHint().height());
    if (tallest > 0) setFixedHeight(tallest + horizontalScrollBar()->sizeHint().height() + 4);
}

void AttachmentBar::removeChip(AttachmentChip* chip) {
    layout_->removeWidget(chip);
    chip->deleteLater();  // it is the sender
    updateNotices();
    setVisible(count() > 0);
    fitHeight();
    Q_EMIT changed();
}

void AttachmentBar::clear() {
    for (AttachmentChip* chip : chips()) {
        layout_->removeWidget(chip);
        delete chip;
    }
    hide();
    Q_EMIT changed();
}

QList<AttachmentChip*> AttachmentBar::chips() const {
    QList<AttachmentChip*> out;
    for (int i = 0; i < layout_->count(); ++i)
        if (auto* chip = qobject_cast<AttachmentChip*>(layout_->itemAt(i)->widget())) out.append(chip);
    return out;
}

QList<app::AttachmentSpec> AttachmentBar::attachments() const {
    QList<app::AttachmentSpec> out;
    for (const AttachmentChip* chip : chips()) out.append(chip->spec());
    return out;
}

}  // namespace ibllm::ui
