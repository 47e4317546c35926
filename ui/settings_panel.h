#pragma once
// The side panel: how answers are made (temperature, top-p, max tokens, answer language,
// visual cache k / t / w), which model is loaded, and the interface language.
#include <QWidget>

#include "app/answer_settings.h"
#include "engine/engine.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QGroupBox;
class QLabel;
class QPushButton;
class QSettings;
class QSpinBox;

namespace ibllm::ui {

class SystemPromptEditor;

class SettingsPanel : public QWidget {
    Q_OBJECT
public:
    explicit SettingsPanel(QWidget* parent = nullptr);

    // Shows the answer settings and interface language saved in `settings`, and saves every
    // change there (a language change is applied at once). `settings` outlives the panel.
    void keepIn(QSettings& settings);

    app::AnswerSettings answerSettings() const;
    void setAnswerSettings(const app::AnswerSettings& settings);

    // "system", "en" or "zh_CN".
    QString interfaceLanguage() const;
    void setInterfaceLanguage(const QString& code);

    // What is loaded; nullptr-like empty info while nothing is.
    void setModelInfo(const ibllm::ModelInfo& info, bool loaded);

    // The PortAudio input device to record from; -1: the system's default input.
    int microphoneDevice() const;
    // Lists the input devices again (PortAudio starts only here, not with the panel); a
    // failure is shown next to the list.
    void refreshMicrophones();
    QComboBox* microphoneBox() const { return microphone_; }

    // The local server's switch: checked while it runs; the address it serves at, or why it
    // could not start.
    QCheckBox* serveBox() const { return serve_; }
    void setServerState(bool running, const QString& addressOrProblem);
    QString serverStatus() const;

    // The current conversation's system prompt (the main window connects it to the session).
    SystemPromptEditor* systemPromptEditor() const { return systemPrompt_; }

    QDoubleSpinBox* temperatureBox() const { return temperature_; }
    QComboBox* answerLanguageBox() const { return answerLanguage_; }

Q_SIGNALS:
    void answerSettingsChanged(const ibllm::app::AnswerSettings& settings);
    void interfaceLanguageChanged(const QString& code);
    void microphoneChanged(int deviceIndex);
    void chooseModelRequested();
    void demoModelRequested();
    // The user switched the local server on or off.
    void serveToggled(bool on);

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslate();
    void emitChanged();
    void resetDefaults();

    bool updating_ = false;
    bool cacheLoaded_ = false;
    ibllm::ModelInfo info_;
    bool loaded_ = false;

    SystemPromptEditor* systemPrompt_;
    QGroupBox* answerGroup_;
    QLabel* temperatureLabel_;
    QDoubleSpinBox* temperature_;
    QLabel* topPLabel_;
    QDoubleSpinBox* topP_;
    QLabel* maxTokensLabel_;
    QSpinBox* maxTokens_;
    QLabel* answerLanguageLabel_;
    QComboBox* answerLanguage_;

    QGroupBox* cacheGroup_;
    QLabel* cacheNote_;
    QLabel* kLabel_;
    QSpinBox* k_;
    QLabel* tLabel_;
    QDoubleSpinBox* t_;
    QLabel* wLabel_;
    QDoubleSpinBox* w_;

    QPushButton* reset_;

    QGroupBox* modelGroup_;
    QLabel* modelInfo_;
    QPushButton* chooseModel_;
    QPushButton* demoModel_;
    QCheckBox* serve_;
    QLabel* serverStatus_;
    QString serverAddress_;

    QGroupBox* interfaceGroup_;
    QLabel* interfaceLanguageLabel_;
    QComboBox* interfaceLanguage_;
    QLabel* microphoneLabel_;
    QComboBox* microphone_;
    QPushButton* refreshMicrophones_;
    QLabel* microphoneProblem_;
};

}  // namespace ibllm::ui
