#pragma once
// A strip across the top of an area that tells the user something they should act on (the
// demo model, a failed load, a file that cannot be attached), with an optional action button.
// It uses the palette's tooltip colours, so it stands out in light and dark themes alike.
#include <QFrame>

class QLabel;
class QPushButton;
class QToolButton;

namespace ibllm::ui {

class NoticeBanner : public QFrame {
    Q_OBJECT
public:
    enum class Kind { Info, Warning, Error };

    explicit NoticeBanner(QWidget* parent = nullptr);

    // Shows the banner; an empty `action` hides the action button.
    void showNotice(Kind kind, const QString& text, const QString& action = QString(), bool closable = true);
    void setActionText(const QString& action);
    void setText(const QString& text);
    QString text() const;
    Kind kind() const { return kind_; }

Q_SIGNALS:
    void actionTriggered();
    void closed();

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslate();

    Kind kind_ = Kind::Info;
    QLabel* icon_;
    QLabel* text_;
    QPushButton* action_;
    QToolButton* close_;
};

}  // namespace ibllm::ui
