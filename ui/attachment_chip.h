#pragma once
// One attached file above the composer: a thumbnail, what it holds (changeable: depth and
// thermal maps look like photos), its fusion weight and a remove button.
#include <QFrame>

#include "app/attachment_spec.h"

class QComboBox;
class QLabel;
class QSlider;
class QToolButton;

namespace ibllm::ui {

class AttachmentChip : public QFrame {
    Q_OBJECT
public:
    AttachmentChip(const app::AttachmentSpec& spec, QWidget* parent = nullptr);

    app::AttachmentSpec spec() const;
    void setWeight(double weight);      // 0..1
    void setModality(ibllm::Modality modality);
    QSlider* weightSlider() const { return weight_; }

Q_SIGNALS:
    void removeRequested();
    void changed();

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslate();
    void updateThumbnail();
    void updateWeightLabel();

    app::AttachmentSpec spec_;
    QLabel* thumbnail_;
    QComboBox* modality_;
    QLabel* name_;
    QSlider* weight_;
    QLabel* weightValue_;
    QToolButton* remove_;
};

}  // namespace ibllm::ui
