#include "ui/duration_text.h"

#include <cmath>

namespace ibllm::ui {

QString durationText(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) seconds = 0;
    long long total = std::llround(seconds);
    if (total == 0 && seconds > 0) total = 1;
    const long long h = total / 3600, m = total / 60 % 60, s = total % 60;
    const QChar zero(u'0');
    if (h > 0) return QStringLiteral("%1:%2:%3").arg(h).arg(m, 2, 10, zero).arg(s, 2, 10, zero);
    return QStringLiteral("%1:%2").arg(m).arg(s, 2, 10, zero);
}

}  // namespace ibllm::ui
