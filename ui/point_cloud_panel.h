#pragma once
// The point-cloud viewer as the window shows it: the 3D view, its controls (reset view,
// point size, colouring, bounding box), the point count, and "Ask about this cloud", which
// hands the cloud's file back to the window so that it can be asked about.
#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;

namespace ibllm::ui {

class PointCloudView;

class PointCloudPanel : public QWidget {
    Q_OBJECT
public:
    explicit PointCloudPanel(QWidget* parent = nullptr);

    // Shows the cloud in `path`; on failure the label says why and false is returned.
    bool showFile(const QString& path);
    QString filePath() const { return path_; }

    PointCloudView* view() const { return view_; }
    QLabel* countLabel() const { return count_; }
    QPushButton* askButton() const { return ask_; }

Q_SIGNALS:
    // The user wants to ask about the cloud in `path`.
    void askRequested(const QString& path);

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslate();
    void refreshControls();

    PointCloudView* view_;
    QPushButton* reset_;
    QLabel* sizeLabel_;
    QDoubleSpinBox* pointSize_;
    QComboBox* colour_;
    QCheckBox* box_;
    QLabel* count_;
    QPushButton* ask_;
    QString path_;
    QString error_;
};

}  // namespace ibllm::ui
