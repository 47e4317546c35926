#include "app/answer_settings.h"

#include <QString>

namespace ibllm::app {

AnswerSettings loadAnswerSettings(const QSettings& s) {
    AnswerSettings a;
    a.sampling.temperature = qBound(0.0, s.value(QStringLiteral("answer/temperature"), a.sampling.temperature).toDouble(), 2.0);
    a.sampling.top_p = qBound(0.0, s.value(QStringLiteral("answer/top_p"), a.sampling.top_p).toDouble(), 1.0);
    a.sampling.max_tokens = qBound(1, s.value(QStringLiteral("answer/max_tokens"), a.sampling.max_tokens).toInt(), 2048);
    try {
        a.language = parse_answer_language(s.value(QStringLiteral("answer/language"), QStringLiteral("auto")).toString().toStdString());
    } catch (const Error&) {
        a.language = AnswerLanguage::Auto;
    }
    a.cache.enabled = s.value(QStringLiteral("cache/enabled"), a.cache.enabled).toBool();
    a.cache.k = qBound(1, s.value(QStringLiteral("cache/k"), a.cache.k).toInt(), 100);
    a.cache.t = qBound(0.0, s.value(QStringLiteral("cache/t"), a.cache.t).toDouble(), 100.0);
    a.cache.w = qBound(0.0, s.value(QStringLiteral("cache/w"), a.cache.w).toDouble(), 1.0);
    return a;
}

void saveAnswerSettings(QSettings& s, const AnswerSettings& a) {
    s.setValue(QStringLiteral("answer/temperature"), a.sampling.temperature);
    s.setValue(QStringLiteral("answer/top_p"), a.sampling.top_p);
    s.setValue(QStringLiteral("answer/max_tokens"), a.sampling.max_tokens);
    s.setValue(QStringLiteral("answer/language"), QString::fromStdString(to_string(a.language)));
    s.setValue(QStringLiteral("cache/enabled"), a.cache.enabled);
    s.setValue(QStringLiteral("cache/k"), a.cache.k);
    s.setValue(QStringLiteral("cache/t"), a.cache.t);
    s.setValue(QStringLiteral("cache/w"), a.cache.w);
}

}  // namespace ibllm::app
