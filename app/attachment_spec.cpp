#include "app/attachment_spec.h"

#include "app/attachment_decoder.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>

namespace ibllm::app {

namespace {
// The translation context of the modality names.
struct ModalityName {
    Q_DECLARE_TR_FUNCTIONS(ModalityName)
};
}  // namespace

QString modalityDisplayName(ibllm::Modality modality) {
    switch (modality) {
        case Modality::Image: return ModalityName::tr("image");
        case Modality::Video: return ModalityName::tr("video");
        case Modality::Audio: return ModalityName::tr("audio");
        case Modality::Point: return ModalityName::tr("point cloud");
        case Modality::Depth: return ModalityName::tr("depth map");
        case Modality::Thermal: return ModalityName::tr("thermal image");
        case Modality::Imu: return ModalityName::tr("IMU recording");
        case Modality::Text: return ModalityName::tr("text");
        case Modality::Rgbd: return ModalityName::tr("image with depth map");
        case Modality::Rgbn: return ModalityName::tr("image with normal map");
        case Modality::Fmri: return ModalityName::tr("fMRI scan");
    }
    return QString();
}

QStringList knownExtensions(ibllm::Modality modality) {
    QStringList out;
    for (const std::string& e : attachment_extensions(modality)) out << QString::fromStdString(e);
    return out;
}

bool npyHoldsOneVector(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) return false;
    // Magic, version, header length, then a Python dict literal such as
    // {'descr': '<f4', 'fortran_order': False, 'shape': (1, 1024), }
    const QByteArray head = file.read(512);
    if (!head.startsWith("\x93NUMPY")) return false;
    static const QRegularExpression shape(QStringLiteral("'shape':\\s*\\((?:1,\\s*)?(\\d+),?\\s*\\)"));
    return shape.match(QString::fromLatin1(head)).hasMatch();
}

std::optional<ibllm::Modality> modalityForFile(const QString& path) {
    const QString ext = QFileInfo(path).suffix().toLower();
    if (ext.isEmpty()) return std::nullopt;
    if (ext == QLatin1String("npy") && npyHoldsOneVector(path)) return Modality::Image;
    for (Modality m : {Modality::Image, Modality::Audio, Modality::Video, Modality::Point, Modality::Imu})
        if (knownExtensions(m).contains(ext)) return m;
    return std::nullopt;
}

QList<ibllm::Modality> attachableModalities() {
    return {Modality::Image, Modality::Video, Modality::Audio, Modality::Point,
            Modality::Depth, Modality::Thermal, Modality::Imu};
}

bool mayBeEmbedding(const QString& path) {
    return QFileInfo(path).suffix().compare(QLatin1String("npy"), Qt::CaseInsensitive) == 0;
}

}  // namespace ibllm::app
