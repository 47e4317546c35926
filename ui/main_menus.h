#pragma once
// The main window's menu bar: File, Chat, Model, View and Help, with their shortcuts. The
// window connects the actions to what they do (About shows its box here); this class makes
// them and names them in the interface language.
#include <QObject>

class QAction;
class QMainWindow;
class QMenu;

namespace ibllm::ui {

class MainMenus : public QObject {
    Q_OBJECT
public:
    // Adds the menus to `window`'s menu bar.
    explicit MainMenus(QMainWindow* window);

    // Names every menu and action again (the interface language changed).
    void retranslate();

    QAction* newChat;
    QAction* attach;
    QAction* exportChat;
    QAction* quit;
    QAction* focusPrompt;
    QAction* stop;  // disabled while idle, so that Esc still closes editors and menus
    QAction* regenerate;
    QAction* chooseModel;
    QAction* useDemo;
    QAction* showSidebar;   // checkable
    QAction* showSettings;  // checkable
    QAction* about;

private:
    QMenu* file_;
    QMenu* chat_;
    QMenu* model_;
    QMenu* view_;
    QMenu* help_;
};

}  // namespace ibllm::ui
