#pragma once
// One attached file above the composer: a thumbnail, what it holds (changeable: depth and
// thermal maps look like photos), its fusion weight and a remove button; below them the
// preview of a video, a sound or a point cloud (attachment_preview.h), read in the background.
#include <QFrame>

#include "app/attachment_spec.h"

class QComboBox;
class QLabel;
class QSlider;
class QToolButton;

namespace ibllm::ui {

class AttachmentPreview;

class AttachmentChip : public QFrame {
    Q_OBJECT
public:
    AttachmentChip(const app::AttachmentSpec& spec, QWidget* parent = nullptr);

    app::AttachmentSpec spec() const;
    void setWeight(double weight);      // 0..1
    void setModality(ibllm::Modality modality);
    // The loaded family and how many chips there are: OneLLM hides the fusion weight and
    // the notice says what the family cannot read, or that OneLLM reads one attachment.
    void setFamily(bool onellm, int chips);
    // The notice under the name (empty when there is none).
    QString notice() const;
    QSlider* weightSlider() const { return weight_; }
    AttachmentPreview* preview() const { return preview_; }

Q_SIGNALS:
    void removeRequested();
    void changed();
    // The preview finished reading (see preview()->state()).
    void previewReady();

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslate();
    void updateThumbnail();
    void updateWeightLabel();
    void updateNotice();

    app::AttachmentSpec spec_;
    QLabel* thumbnail_;
    QComboBox* modality_;
    QLabel* name_;
    QSlider* weight_;
    QLabel* weightValue_;
    QToolButton* remove_;
    QLabel* notice_;
    AttachmentPreview* preview_;
    bool onellm_ = false;
    int chips_ = 1;
};

}  // namespace ibllm::ui
