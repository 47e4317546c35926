#pragma once
// An audio file's waveform: per pixel column the lowest and highest sample of that stretch
// of time (a min/max envelope), with the part already played in the highlight colour.
#include <QVector>
#include <QWidget>

namespace ibllm::ui {

class AudioWaveform : public QWidget {
    Q_OBJECT
public:
    explicit AudioWaveform(QWidget* parent = nullptr);

    // Per column of the envelope, the lowest and highest sample (-1..1); equal lengths.
    void setEnvelope(const QVector<float>& low, const QVector<float>& high);
    const QVector<float>& low() const { return low_; }
    const QVector<float>& high() const { return high_; }
    int columnCount() const { return int(low_.size()); }

    // How much has been played, 0..1; negative draws nothing as played.
    void setPlayedFraction(double fraction);
    double playedFraction() const { return played_; }

    QSize sizeHint() const override { return {200, 30}; }
    QSize minimumSizeHint() const override { return {60, 24}; }

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    QVector<float> low_, high_;
    double played_ = -1.0;
};

}  // namespace ibllm::ui
