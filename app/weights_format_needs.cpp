#include "app/weights_format_needs.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <cmath>

namespace ibllm::app {

namespace {

// ibllm-bench, AMD EPYC Zen 4, 2 cores (docs/performance.md, "Figures": the 7B runs of the
// fourth and fifth sets and the 1.3B run beside them): peak RSS in GiB with ImageBind-huge
// and a 2048-position context; decoding tokens/s and top-1 agreement with bf16 on 7B. q4's
// agreement is that of its uneven levels ("A better 4-bit", 7B, an Intel host: the figure
// depends on the format, not the CPU); the evenly spaced levels it replaced gave 0.708.
struct Measured {
    double rss_7b, rss_1_3b, decode_7b, agreement;
};
constexpr double kParams7b = 6.74e9, kParams1_3b = 1.36e9;

Measured measured(WeightFormat f) {
    switch (f) {
        case WeightFormat::Int8: return {12.55, 4.73, 3.88, 0.948};
        case WeightFormat::Q4: return {9.95, 4.18, 6.42, 0.787};
        default: return {19.12, 6.93, 2.02, 1.0};
    }
}

}  // namespace

std::optional<double> llamaParameterCount(const QString& llamaDir) {
    QFile f(QDir(llamaDir).filePath(QStringLiteral("params.json")));
    if (!f.open(QIODevice::ReadOnly)) return std::nullopt;
    const QJsonObject p = QJsonDocument::fromJson(f.readAll()).object();
    const double dim = p.value(QStringLiteral("dim")).toDouble(), layers = p.value(QStringLiteral("n_layers")).toDouble();
    const double multiple = p.value(QStringLiteral("multiple_of")).toDouble(256);
    double vocab = p.value(QStringLiteral("vocab_size")).toDouble(-1);
    if (vocab <= 0) vocab = 32000;  // -1 in Meta's file: the tokenizer's
    if (dim <= 0 || layers <= 0 || multiple <= 0) return std::nullopt;
    // The reference FeedForward's hidden size: 2/3 of 4*dim, rounded up to multiple_of.
    const double ffn = multiple * std::ceil(std::floor(2.0 * 4.0 * dim / 3.0) / multiple);
    return layers * (4 * dim * dim + 3 * dim * ffn) + 2 * vocab * dim;
}

WeightsFormatNeeds weightsFormatNeeds(WeightFormat format, double parameters) {
    const Measured m = measured(format);
    WeightsFormatNeeds n;
    if (std::abs(parameters / kParams7b - 1) < 0.02) return {m.rss_7b, true};
    if (std::abs(parameters / kParams1_3b - 1) < 0.02) return {m.rss_1_3b, true};
    const double slope = (m.rss_7b - m.rss_1_3b) / (kParams7b - kParams1_3b);
    n.memoryGiB = std::max(0.5, m.rss_1_3b + slope * (parameters - kParams1_3b));
    return n;
}

QString weightsFormatSummary(WeightFormat format, std::optional<double> parameters) {
    const Measured m = measured(format), exact = measured(WeightFormat::Bf16);
    QString memory;
    if (parameters) {
        const WeightsFormatNeeds n = weightsFormatNeeds(format, *parameters);
        memory = (n.measured ? QCoreApplication::translate("WeightsFormat", "Needs %1 GiB of memory with ImageBind (measured).")
                             : QCoreApplication::translate("WeightsFormat", "Needs about %1 GiB of memory with ImageBind (estimated from measurements)."))
                     .arg(n.memoryGiB, 0, 'f', 1) +
                 QLatin1Char(' ');
    }
    if (format == WeightFormat::Bf16)
        return memory + QCoreApplication::translate("WeightsFormat", "The exact weights: the reference's answers, the slowest decoding.");
    return memory + QCoreApplication::translate("WeightsFormat",
                                                "Decodes about %1x as fast as bf16; %2% of its tokens are the ones bf16 "
                                                "would choose. The first load writes a converted copy next to the checkpoint.")
                        .arg(m.decode_7b / exact.decode_7b, 0, 'f', 1)
                        .arg(std::lround(100 * m.agreement));
}

}  // namespace ibllm::app
