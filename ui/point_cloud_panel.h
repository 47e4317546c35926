#pragma once
// The point-cloud viewer as the window shows it: the 3D view, its controls (reset view,
// point size, colouring, bounding box), the point count, what the encoder will be given
// (point_cloud_note.h), and "Ask about this cloud", which hands the cloud's file back to the
// window so that it can be asked about. Files are read off the UI thread.
#include <QFutureWatcher>
#include <QWidget>
#include <memory>

#include "ui/point_cloud_loading.h"

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

    // Reads `path` in the background and shows it when it arrives (fileShown() then tells);
    // on failure the label says why. A later showFile()/showLoaded() replaces a pending one.
    void showFile(const QString& path);
    // Shows a cloud that was read elsewhere (the attachment chip's), at once.
    void showLoaded(std::shared_ptr<const LoadedPointCloud> cloud);
    // The file shown, empty while none is (or it failed).
    QString filePath() const { return path_; }
    bool isLoading() const { return loading_ != nullptr; }

    PointCloudView* view() const { return view_; }
    QLabel* countLabel() const { return count_; }
    QLabel* noteLabel() const { return note_; }
    QPushButton* askButton() const { return ask_; }

Q_SIGNALS:
    // The user wants to ask about the cloud in `path`.
    void askRequested(const QString& path);
    // A showFile() or showLoaded() ended: the cloud of `path` is shown, or (ok false) the
    // count label says why not.
    void fileShown(const QString& path, bool ok);

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
    QLabel* note_;
    QPushButton* ask_;
    QString path_;
    QString pendingPath_;
    QString error_;
    int64_t points_ = 0, nonFinite_ = 0;
    QFutureWatcher<std::shared_ptr<const LoadedPointCloud>>* loading_ = nullptr;
};

}  // namespace ibllm::ui
