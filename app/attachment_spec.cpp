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
    return {Modality::Image, Modality::Video, Modality::Audio, Modality::Point, Modality::Depth,
            Modality::Thermal, Modality::Imu, Modality::Rgbd, Modality::Rgbn, Modality::Fmri};
}

QString familyRefusal(bool onellm, ibllm::Modality modality) {
    if (onellm) {
        if (modality == Modality::Depth)
            return ModalityName::tr("OneLLM reads a depth map only with its photo: drop both together, or choose \"image with depth map\".");
        if (modality == Modality::Thermal) return ModalityName::tr("OneLLM cannot read thermal images; ImageBind-LLM can.");
        return QString();
    }
    if (modality == Modality::Rgbd || modality == Modality::Rgbn)
        return ModalityName::tr("Image pairs with depth or normal maps are a OneLLM input; load a OneLLM model to ask about them.");
    if (modality == Modality::Fmri) return ModalityName::tr("fMRI scans are a OneLLM input; load a OneLLM model to ask about them.");
    return QString();
}

QStringList imagePairParts(const QString& path) {
    for (int at = path.indexOf(QLatin1Char(',')); at >= 0; at = path.indexOf(QLatin1Char(','), at + 1)) {
        const QString a = path.left(at), b = path.mid(at + 1);
        if (QFileInfo(a).isFile() && QFileInfo(b).isFile()) return {a, b};
    }
    return {};
}

QList<AttachmentSpec> pairImageMaps(const QStringList& paths) {
    static const QRegularExpression mapName(QStringLiteral("^(.*?)[-_. ]?(depth|normals?)$"), QRegularExpression::CaseInsensitiveOption);
    QList<AttachmentSpec> out;
    QStringList used;
    for (const QString& map : paths) {
        if (used.contains(map) || modalityForFile(map) != Modality::Image) continue;
        const QRegularExpressionMatch m = mapName.match(QFileInfo(map).completeBaseName());
        if (!m.hasMatch() || m.captured(1).isEmpty()) continue;
        for (const QString& photo : paths) {
            if (photo == map || used.contains(photo) || modalityForFile(photo) != Modality::Image) continue;
            // "room.png" or "room_rgb.png" (rgb, color, colour, image, img) with "room_depth.png".
            const QRegularExpression photoName(QStringLiteral("^") + QRegularExpression::escape(m.captured(1)) +
                                                   QStringLiteral("([-_. ]?(rgb|colou?r|image|img))?$"),
                                               QRegularExpression::CaseInsensitiveOption);
            if (!photoName.match(QFileInfo(photo).completeBaseName()).hasMatch()) continue;
            AttachmentSpec spec;
            spec.modality = m.captured(2).startsWith(QLatin1String("depth"), Qt::CaseInsensitive) ? Modality::Rgbd : Modality::Rgbn;
            spec.path = QFileInfo(photo).absoluteFilePath() + QLatin1Char(',') + QFileInfo(map).absoluteFilePath();
            out << spec;
            used << photo << map;
            break;
        }
    }
    for (const QString& p : paths) {
        if (used.contains(p)) continue;
        AttachmentSpec spec;
        spec.path = p;
        spec.modality = modalityForFile(p).value_or(Modality::Image);
        out << spec;
    }
    return out;
}

bool mayBeEmbedding(const QString& path) {
    return QFileInfo(path).suffix().compare(QLatin1String("npy"), Qt::CaseInsensitive) == 0;
}

}  // namespace ibllm::app
