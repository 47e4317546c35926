#include "ui/attachment_chip.h"

#include <QComboBox>
#include <QDir>
#include <QEvent>
#include <QFileInfo>
#include <QGridLayout>
#include <QImageReader>
#include <QLabel>
#include <QLocale>
#include <QSlider>
#include <QStyle>
#include <QToolButton>

#include "ui/attachment_preview.h"
#include "ui/video_frame_strip.h"

namespace ibllm::ui {

namespace {

constexpr int kThumb = 40;
constexpr int kSliderSteps = 100;  // weight = value / 100, as the reference's 0..1 slider

QIcon modalityIcon(ibllm::Modality m, const QStyle* style) {
    const QIcon file = style->standardIcon(QStyle::SP_FileIcon);
    switch (m) {
        case Modality::Image:
        case Modality::Depth:
        case Modality::Rgbd:
        case Modality::Rgbn:
        case Modality::Thermal: return QIcon::fromTheme(QStringLiteral("image-x-generic"), file);
        case Modality::Audio: return QIcon::fromTheme(QStringLiteral("audio-x-generic"), style->standardIcon(QStyle::SP_MediaVolume));
        case Modality::Video: return QIcon::fromTheme(QStringLiteral("video-x-generic"), style->standardIcon(QStyle::SP_MediaPlay));
        case Modality::Point: return QIcon::fromTheme(QStringLiteral("application-x-object"), file);
        case Modality::Imu: return QIcon::fromTheme(QStringLiteral("text-csv"), file);
        case Modality::Text: return QIcon::fromTheme(QStringLiteral("text-x-generic"), file);
        case Modality::Fmri: return QIcon::fromTheme(QStringLiteral("application-x-object"), file);
    }
    return file;
}

}  // namespace

AttachmentChip::AttachmentChip(const app::AttachmentSpec& spec, QWidget* parent) : QFrame(parent), spec_(spec) {
    setFrameShape(QFrame::StyledPanel);
    setAutoFillBackground(true);
    setBackgroundRole(QPalette::Base);
    auto* grid = new QGridLayout(this);
    grid->setContentsMargins(6, 4, 2, 4);
    grid->setHorizontalSpacing(6);
    grid->setVerticalSpacing(2);

    thumbnail_ = new QLabel(this);
    thumbnail_->setFixedSize(kThumb, kThumb);
    thumbnail_->setAlignment(Qt::AlignCenter);
    grid->addWidget(thumbnail_, 0, 0, 2, 1);

    modality_ = new QComboBox(this);
    modality_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    for (ibllm::Modality m : app::attachableModalities()) modality_->addItem(QString(), int(m));
    grid->addWidget(modality_, 0, 1);

    name_ = new QLabel(this);
    // An image with its depth or normal map is one attachment of two files.
    const QStringList pair = app::imagePairParts(spec_.path);
    const QFileInfo fi(pair.isEmpty() ? spec_.path : pair.first());
    const QString shown = pair.isEmpty() ? fi.fileName() : fi.fileName() + QStringLiteral(" + ") + QFileInfo(pair.last()).fileName();
    name_->setText(fontMetrics().elidedText(shown, Qt::ElideMiddle, 170));
    name_->setToolTip(pair.isEmpty() ? QDir::toNativeSeparators(fi.absoluteFilePath())
                                     : QDir::toNativeSeparators(pair.first()) + QLatin1Char('\n') + QDir::toNativeSeparators(pair.last()));
    grid->addWidget(name_, 1, 1);

    weight_ = new QSlider(Qt::Horizontal, this);
    weight_->setRange(0, kSliderSteps);
    weight_->setPageStep(10);
    weight_->setFixedWidth(90);
    grid->addWidget(weight_, 0, 2);
    weightValue_ = new QLabel(this);
    weightValue_->setAlignment(Qt::AlignCenter);
    grid->addWidget(weightValue_, 1, 2);

    remove_ = new QToolButton(this);
    remove_->setAutoRaise(true);
    remove_->setIcon(QIcon::fromTheme(QStringLiteral("edit-delete"), style()->standardIcon(QStyle::SP_TitleBarCloseButton)));
    grid->addWidget(remove_, 0, 3, 2, 1, Qt::AlignTop);

    notice_ = new QLabel(this);
    notice_->setWordWrap(true);
    notice_->setMaximumWidth(280);
    notice_->setForegroundRole(QPalette::LinkVisited);
    notice_->hide();
    grid->addWidget(notice_, 2, 0, 1, 4);
    preview_ = new AttachmentPreview(this);
    grid->addWidget(preview_, 3, 0, 1, 4);
    connect(preview_, &AttachmentPreview::finished, this, [this] {
        updateThumbnail();  // a video's thumbnail becomes one of its frames
        Q_EMIT previewReady();
    });

    setModality(spec_.modality);
    setWeight(spec_.weight);
    connect(modality_, &QComboBox::currentIndexChanged, this, [this] {
        spec_.modality = static_cast<ibllm::Modality>(modality_->currentData().toInt());
        preview_->start(spec_.path, spec_.modality);
        updateThumbnail();
        updateNotice();
        Q_EMIT changed();
    });
    connect(weight_, &QSlider::valueChanged, this, [this](int v) {
        spec_.weight = double(v) / kSliderSteps;
        updateWeightLabel();
        Q_EMIT changed();
    });
    connect(remove_, &QToolButton::clicked, this, &AttachmentChip::removeRequested);
    retranslate();
}

void AttachmentChip::retranslate() {
    for (int i = 0; i < modality_->count(); ++i)
        modality_->setItemText(i, app::modalityDisplayName(static_cast<ibllm::Modality>(modality_->itemData(i).toInt())));
    modality_->setToolTip(tr("What this file holds; depth and thermal maps look like photos, so choose them here"));
    weight_->setToolTip(tr("Fusion weight: how much this file counts when several are combined (0 leaves it out)"));
    remove_->setToolTip(tr("Remove this attachment"));
    remove_->setAccessibleName(tr("Remove %1").arg(QFileInfo(spec_.path).fileName()));
    if (app::mayBeEmbedding(spec_.path) && !onellm_)
        name_->setToolTip(QDir::toNativeSeparators(spec_.path) + QLatin1Char('\n') +
                          tr("A .npy holding one vector is used as a precomputed ImageBind embedding."));
    updateWeightLabel();
    updateNotice();
}

void AttachmentChip::setFamily(bool onellm, int chips) {
    onellm_ = onellm;
    chips_ = chips;
    // Fusion weights are ImageBind-LLM's embedding arithmetic; OneLLM reads one input as it is.
    weight_->setVisible(!onellm);
    weightValue_->setVisible(!onellm);
    updateNotice();
}

QString AttachmentChip::notice() const { return notice_->isHidden() ? QString() : notice_->text(); }

void AttachmentChip::updateNotice() {
    QString text = app::familyRefusal(onellm_, spec_.modality);
    if (text.isEmpty() && onellm_ && chips_ > 1)
        text = tr("OneLLM reads one attachment per question; remove the others before asking.");
    notice_->setText(text);
    notice_->setVisible(!text.isEmpty());
}

void AttachmentChip::changeEvent(QEvent* event) {
    QFrame::changeEvent(event);
    if (event->type() == QEvent::LanguageChange) retranslate();
}

app::AttachmentSpec AttachmentChip::spec() const { return spec_; }

void AttachmentChip::setWeight(double weight) {
    weight_->setValue(qRound(qBound(0.0, weight, 1.0) * kSliderSteps));
    spec_.weight = double(weight_->value()) / kSliderSteps;
    updateWeightLabel();
}

void AttachmentChip::setModality(ibllm::Modality modality) {
    const int index = modality_->findData(int(modality));
    if (index >= 0) modality_->setCurrentIndex(index);
    spec_.modality = modality;
    preview_->start(spec_.path, spec_.modality);
    updateThumbnail();
}

void AttachmentChip::updateWeightLabel() {
    weightValue_->setText(spec_.weight > 0.0 ? tr("weight %1").arg(QLocale().toString(spec_.weight, 'f', 2))
                                             : tr("left out"));
}

void AttachmentChip::updateThumbnail() {
    const QStringList pair = app::imagePairParts(spec_.path);
    if (spec_.modality == Modality::Image || spec_.modality == Modality::Depth || spec_.modality == Modality::Thermal ||
        !pair.isEmpty()) {
        // Decode at thumbnail size: a 24-megapixel photo must not stall the window.
        QImageReader reader(pair.isEmpty() ? spec_.path : pair.first());
        reader.setAutoTransform(true);
        const QSize full = reader.size();
        if (full.isValid()) reader.setScaledSize(full.scaled(kThumb, kThumb, Qt::KeepAspectRatio));
        const QImage image = reader.read();
        if (!image.isNull()) {
            thumbnail_->setPixmap(QPixmap::fromImage(image));
            return;
        }
    }
    const QList<QImage>& frames = preview_->frameStrip()->frames();
    if (spec_.modality == Modality::Video && preview_->state() == AttachmentPreview::State::Ready && !frames.isEmpty()) {
        thumbnail_->setPixmap(QPixmap::fromImage(
            frames.at(frames.size() / 2).scaled(kThumb, kThumb, Qt::KeepAspectRatio, Qt::SmoothTransformation)));
        return;
    }
    thumbnail_->setPixmap(modalityIcon(spec_.modality, style()).pixmap(kThumb - 8, kThumb - 8));
}

}  // namespace ibllm::ui
