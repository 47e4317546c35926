#pragma once
// A media length as players show it: "0:06", "12:04", "1:02:03".
#include <QString>

namespace ibllm::ui {

// Rounded to the nearest second; anything between 0 and 1 s shows as "0:01", so a short
// sound does not read as empty.
QString durationText(double seconds);

}  // namespace ibllm::ui
