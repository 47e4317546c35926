#pragma once
// Pictures of OneLLM's array inputs for their chips: an fMRI scan as a heat map of its voxels
// (averaged over the repetitions, laid out row by row in a square) and an IMU recording as six
// lines (accelerometer x y z, gyroscope x y z). Plain QImages, safe off the UI thread.
#include <QImage>
#include <QSize>

#include "engine/engine.h"

namespace ibllm::ui {

// `array`: (voxels) or (repetitions, voxels). Colours run blue (low) - white - red (high)
// between the 2nd and 98th percentiles, so a few extreme voxels do not wash out the map.
QImage fmriHeatMap(const ArrayInput& array, QSize size);

// `array`: (6, samples). Each channel scaled to its own range, min/max per pixel column.
QImage imuPlot(const ArrayInput& array, QSize size);

}  // namespace ibllm::ui
