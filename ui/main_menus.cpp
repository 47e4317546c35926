#include "ui/main_menus.h"

#include <QAction>
#include <QApplication>
#include <QIcon>
#include <QMainWindow>
#include <QMenuBar>
#include <QMessageBox>

namespace ibllm::ui {

namespace {
QAction* add(QMenu* menu, const char* icon, const QKeySequence& shortcut) {
    QAction* a = icon ? menu->addAction(QIcon::fromTheme(QString::fromLatin1(icon)), QString()) : menu->addAction(QString());
    if (!shortcut.isEmpty()) a->setShortcut(shortcut);
    return a;
}
}  // namespace

MainMenus::MainMenus(QMainWindow* window) : QObject(window) {
    QMenuBar* bar = window->menuBar();
    file_ = bar->addMenu(QString());
    newChat = add(file_, "document-new", QKeySequence::New);
    attach = add(file_, "mail-attachment", QKeySequence::Open);
    exportChat = add(file_, "document-save-as", QKeySequence(Qt::CTRL | Qt::Key_E));
    file_->addSeparator();
    quit = add(file_, "application-exit", QKeySequence::Quit);

    chat_ = bar->addMenu(QString());
    focusPrompt = add(chat_, nullptr, QKeySequence(Qt::CTRL | Qt::Key_L));
    stop = add(chat_, "process-stop", QKeySequence(Qt::Key_Escape));
    stop->setEnabled(false);
    regenerate = add(chat_, "view-refresh", QKeySequence(Qt::CTRL | Qt::Key_R));

    model_ = bar->addMenu(QString());
    chooseModel = add(model_, nullptr, {});
    useDemo = add(model_, nullptr, {});

    view_ = bar->addMenu(QString());
    showSidebar = add(view_, nullptr, QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_B));
    showSidebar->setCheckable(true);
    showSettings = add(view_, nullptr, QKeySequence(Qt::CTRL | Qt::Key_Comma));
    showSettings->setCheckable(true);

    help_ = bar->addMenu(QString());
    about = add(help_, nullptr, {});
    connect(about, &QAction::triggered, window, [window] {
        QMessageBox::about(window, tr("About ImageBind-LLM"),
                           tr("<p><b>ImageBind-LLM</b> %1</p><p>A desktop assistant that answers questions about images, "
                              "sounds, videos and 3D point clouds with LLaMA-7B, ImageBind and the ImageBind-LLM "
                              "adapter (Han et al., 2023), running locally on this computer.</p>")
                               .arg(QApplication::applicationVersion()));
    });
    retranslate();
}

void MainMenus::retranslate() {
    file_->setTitle(tr("&File"));
    newChat->setText(tr("&New chat"));
    attach->setText(tr("&Attach files…"));
    exportChat->setText(tr("&Export chat as Markdown…"));
    quit->setText(tr("&Quit"));
    chat_->setTitle(tr("&Chat"));
    focusPrompt->setText(tr("&Write a question"));
    stop->setText(tr("&Stop"));
    regenerate->setText(tr("&Regenerate the last answer"));
    model_->setTitle(tr("&Model"));
    chooseModel->setText(tr("&Choose model files…"));
    useDemo->setText(tr("Use the &demo model"));
    view_->setTitle(tr("&View"));
    showSidebar->setText(tr("&Conversations"));
    showSettings->setText(tr("&Settings panel"));
    help_->setTitle(tr("&Help"));
    about->setText(tr("&About ImageBind-LLM"));
}

}  // namespace ibllm::ui
