#pragma once
// Running build/bin/ibllm-cli from a test, as other programs call it: the exit code, stdout and
// stderr of one command.
#include <QtCore/QProcess>
#include <QtCore/QString>
#include <QtCore/QStringList>

#include "test_paths.h"

namespace ibllm::test {

struct CliRun {
    int code = -1;  // -1: it crashed or timed out
    QString out, err;
};

// `input` is written to its standard input, which is then closed.
inline CliRun run_cli(const QStringList& args, int timeout_ms = 300000, const QByteArray& input = {}) {
    QProcess p;
    p.start(bin_path(QStringLiteral("ibllm-cli")), args);
    if (p.waitForStarted(timeout_ms)) {
        if (!input.isEmpty()) p.write(input);
        p.closeWriteChannel();
    }
    CliRun r;
    if (!p.waitForFinished(timeout_ms)) {
        p.kill();
        p.waitForFinished(5000);
        r.err = "timed out";
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

}  // namespace ibllm::test
