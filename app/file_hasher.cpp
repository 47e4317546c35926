#include "app/file_hasher.h"

#include "app/attachment_spec.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFutureWatcher>
#include <QtConcurrent/QtConcurrentRun>

namespace ibllm::app {

QString sha256OfFile(const QString& path) {
    // An RGB-D / RGB-N attachment is two files ("photo,map"): one hash over both.
    const QStringList pair = imagePairParts(path);
    QCryptographicHash hash(QCryptographicHash::Sha256);
    for (const QString& part : pair.isEmpty() ? QStringList{path} : pair) {
        QFile file(part);
        if (!file.open(QIODevice::ReadOnly) || !hash.addData(&file)) return QString();
    }
    return QString::fromLatin1(hash.result().toHex());
}

void hashFileAsync(const QString& path, QObject* context, std::function<void(const QString&)> done) {
    auto* watcher = new QFutureWatcher<QString>(context);
    QObject::connect(watcher, &QFutureWatcher<QString>::finished, context, [watcher, done = std::move(done)] {
        done(watcher->result());
        watcher->deleteLater();
    });
    watcher->setFuture(QtConcurrent::run(sha256OfFile, path));
}

}  // namespace ibllm::app
