#pragma once
// The desktop window on the demo model, everything it writes inside one temporary folder:
// its settings, its conversations and the demo model's files. QStandardPaths' test mode keeps
// the user's own folders out of it. For the suites that drive the whole window.
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>
#include <memory>

#include "app/conversation_store.h"
#include "app/engine_thread.h"
#include "ui/main_window.h"
#include "ui/ui_language.h"

namespace ibllm::test {

class DemoWindow {
public:
    QString path(const QString& rel) const { return dir_.filePath(rel); }
    QString demoDir() const { return path(QStringLiteral("demo")); }

    // Makes the window (English interface, `size`), shows it and waits until it is exposed;
    // `beforeModel` runs next (what must be set before the model loads); then the demo model
    // is loaded and waited for. Returns false with the reason in `why` on failure.
    bool open(QSize size, const std::function<void(ui::MainWindow&)>& beforeModel = {}, QString* why = nullptr) {
        auto fail = [&](const char* reason) {
            if (why) *why = QString::fromLatin1(reason);
            return false;
        };
        if (!dir_.isValid()) return fail("no temporary folder");
        QStandardPaths::setTestModeEnabled(true);
        ui::applyUiLanguage(QStringLiteral("en"));
        settings_ = std::make_unique<QSettings>(path(QStringLiteral("settings.ini")), QSettings::IniFormat);
        store_ = std::make_unique<app::ConversationStore>(path(QStringLiteral("conversations.sqlite")));
        engine_ = std::make_unique<app::EngineThread>();
        window_ = std::make_unique<ui::MainWindow>(*store_, *engine_->worker(), *settings_);
        window_->setDemoModelDir(demoDir());
        window_->setConfirmDeletes(false);
        window_->resize(size);
        window_->show();
        if (!QTest::qWaitForWindowExposed(window_.get())) return fail("the window was never shown");
        if (beforeModel) beforeModel(*window_);
        window_->startModel();
        if (!QTest::qWaitFor([&] { return window_->isModelReady(); }, 180000)) return fail("the demo model did not load");
        return true;
    }

    ui::MainWindow* window() const { return window_.get(); }
    QSettings& settings() const { return *settings_; }
    app::ConversationStore& store() const { return *store_; }
    app::EngineThread& engine() const { return *engine_; }
    // Closes the window first (it may still hold the microphone or an answer).
    void closeWindow() { window_.reset(); }

private:
    QTemporaryDir dir_;
    std::unique_ptr<QSettings> settings_;
    std::unique_ptr<app::ConversationStore> store_;
    std::unique_ptr<app::EngineThread> engine_;
    std::unique_ptr<ui::MainWindow> window_;
};

}  // namespace ibllm::test
