#pragma once
// Content hashes of attached files, so that a conversation can tell later whether the file
// at a path is still the one that was asked about. Hashing a video takes seconds, so it
// runs on Qt's thread pool and reports back on the caller's thread.
#include <QObject>
#include <QString>
#include <functional>

namespace ibllm::app {

// Lowercase hex SHA-256 of the file (of both files, in order, for an RGB-D / RGB-N pair
// "photo,map"); empty when it cannot be read.
QString sha256OfFile(const QString& path);

// Calls `done(hash)` on `context`'s thread once hashed; never if `context` is destroyed first.
void hashFileAsync(const QString& path, QObject* context, std::function<void(const QString& sha256)> done);

}  // namespace ibllm::app
