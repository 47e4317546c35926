#pragma once
// The point-cloud viewer docked below the chat. It shows the newest point cloud attached
// in the composer, once it has loaded, and its "Ask about this cloud" puts the cloud back
// among the composer's attachments and focuses the prompt.
//
// The viewer panel is made only when the first cloud that loads is attached: an OpenGL
// widget switches the whole window to OpenGL composition, which platforms without OpenGL
// (offscreen) cannot do.
#include <QDockWidget>

namespace ibllm::ui {

class Composer;
class PointCloudPanel;

class PointCloudDock : public QDockWidget {
    Q_OBJECT
public:
    PointCloudDock(Composer* composer, QWidget* parent);

    // nullptr until the first cloud that loads.
    PointCloudPanel* panel() const { return panel_; }

protected:
    void changeEvent(QEvent* event) override;

private:
    void showNewestCloud();
    void askAbout(const QString& path);

    Composer* composer_;
    PointCloudPanel* panel_ = nullptr;
};

}  // namespace ibllm::ui
