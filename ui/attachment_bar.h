#pragma once
// The row of attachment chips above the composer. Files come in from drag and drop, paste
// and the file dialog; each becomes a chip with its modality guessed from the extension, and
// a file that cannot be attached gets one sentence saying why.
#include <QList>
#include <QScrollArea>
#include <QStringList>

#include "app/attachment_spec.h"

class QHBoxLayout;

namespace ibllm::ui {

class AttachmentChip;

class AttachmentBar : public QScrollArea {
    Q_OBJECT
public:
    explicit AttachmentBar(QWidget* parent = nullptr);

    // Adds a chip per usable file and returns one sentence per file that was not added.
    QStringList addFiles(const QStringList& paths);
    void addAttachment(const app::AttachmentSpec& spec);
    void clear();

    QList<app::AttachmentSpec> attachments() const;

    // The loaded model's family: with OneLLM an image dropped with its depth or normal map
    // becomes one pair, the fusion sliders hide, and every chip says what the family cannot
    // read (and, with more than one chip, that OneLLM reads one per question).
    void setOnellm(bool onellm);
    bool onellm() const { return onellm_; }

    // Makes `map` (an image chip) the depth (Modality::Rgbd) or normal map (Rgbn) of `photo`:
    // the two chips become one pair. With OneLLM, an image chip's context menu offers this
    // for every other image ("Use as the depth map of ..."). False when either is not an image.
    bool pairAsMap(AttachmentChip* map, AttachmentChip* photo, ibllm::Modality kind);
    QList<AttachmentChip*> chips() const;
    int count() const { return int(chips().size()); }

    // The file dialog's filter, in the UI language.
    static QString fileDialogFilter();

Q_SIGNALS:
    void changed();
    // A chip's background preview finished (the point-cloud viewer waits for this).
    void previewReady(ibllm::ui::AttachmentChip* chip);

private:
    void removeChip(AttachmentChip* chip);
    // As tall as the tallest chip: previews make chips grow when they arrive.
    void fitHeight();
    void updateNotices();
    void showPairingMenu(AttachmentChip* chip, const QPoint& at);

    QWidget* row_;
    QHBoxLayout* layout_;
    bool onellm_ = false;
};

}  // namespace ibllm::ui
