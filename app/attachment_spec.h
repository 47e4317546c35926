#pragma once
// An attachment as the desktop app handles it before the engine sees it: a file, what it
// holds, and its fusion weight. The engine's Attachment adds the embedding, which the worker
// computes from the file.
#include <QList>
#include <QString>
#include <optional>

#include "engine/modality.h"

namespace ibllm::app {

struct AttachmentSpec {
    ibllm::Modality modality = ibllm::Modality::Image;
    QString path;
    double weight = 1.0;  // the reference's slider: 0..1, 1 by default; 0 leaves it out
    QString sha256;       // empty until hashed
};

// The modality a file most likely holds, from its extension (the same table as the
// attachment decoder's guess_modality); nullopt when the type is unknown. Depth and thermal
// maps look like ordinary images, so the user picks those on the chip. A .npy that holds a
// single vector is a precomputed ImageBind embedding rather than a point cloud; those come
// from images most of the time, so they start as images.
std::optional<ibllm::Modality> modalityForFile(const QString& path);

// The modalities a user can attach (text is typed, not attached).
QList<ibllm::Modality> attachableModalities();

// Why the loaded family cannot read `modality` (one sentence in the UI language), or empty
// when it can: ImageBind-LLM reads no RGB-D/RGB-N pairs and no fMRI; OneLLM reads depth only
// paired with its photo, and no thermal images.
QString familyRefusal(bool onellm, ibllm::Modality modality);

// The photo and the map of an RGB-D / RGB-N attachment ("photo.png,map.png"), or {} when
// `path` is not two existing files joined by a comma.
QStringList imagePairParts(const QString& path);

// Dropped files with images and their depth or normal maps paired by name: "room.png" (or
// "room_rgb.png", room_color, room_image, ...) with "room_depth.png" (or room-depth, room.depth,
// roomDepth; likewise "normal"/"normals") becomes
// one RGB-D (RGB-N) attachment "room.png,room_depth.png". Everything else is returned as given.
QList<AttachmentSpec> pairImageMaps(const QStringList& paths);

// "image", "point cloud", ... in the UI language.
QString modalityDisplayName(ibllm::Modality modality);

// The lowercase extensions (without dots) modalityForFile() knows, for file dialogs.
QStringList knownExtensions(ibllm::Modality modality);

// True for a .npy file: it may be a precomputed ImageBind embedding rather than a cloud.
bool mayBeEmbedding(const QString& path);
// True when the .npy header says [D] or [1, D] (reads only the header).
bool npyHoldsOneVector(const QString& path);

}  // namespace ibllm::app
