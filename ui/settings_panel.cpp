#include "ui/settings_panel.h"
#include "ui/system_prompt_editor.h"
#include "ui/ui_language.h"

#include <QSettings>

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QEvent>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QScopedValueRollback>
#include <QSpinBox>
#include <QVBoxLayout>

#include "media/capture/input_devices.h"

namespace ibllm::ui {

namespace {

QDoubleSpinBox* decimalBox(QWidget* parent, double lo, double hi, double step, int decimals) {
    auto* box = new QDoubleSpinBox(parent);
    box->setRange(lo, hi);
    box->setSingleStep(step);
    box->setDecimals(decimals);
    box->setKeyboardTracking(false);
    return box;
}

QLabel* noteLabel(QWidget* parent) {
    auto* label = new QLabel(parent);
    label->setWordWrap(true);
    label->setForegroundRole(QPalette::PlaceholderText);
    return label;
}

}  // namespace

SettingsPanel::SettingsPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 8, 8, 8);

    systemPrompt_ = new SystemPromptEditor(this);
    layout->addWidget(systemPrompt_);

    answerGroup_ = new QGroupBox(this);
    auto* answerForm = new QFormLayout(answerGroup_);
    temperatureLabel_ = new QLabel(answerGroup_);
    temperature_ = decimalBox(answerGroup_, 0.0, 2.0, 0.05, 2);
    topPLabel_ = new QLabel(answerGroup_);
    topP_ = decimalBox(answerGroup_, 0.0, 1.0, 0.05, 2);
    maxTokensLabel_ = new QLabel(answerGroup_);
    maxTokens_ = new QSpinBox(answerGroup_);
    maxTokens_->setRange(1, 2048);
    maxTokens_->setSingleStep(32);
    maxTokens_->setKeyboardTracking(false);
    answerLanguageLabel_ = new QLabel(answerGroup_);
    answerLanguage_ = new QComboBox(answerGroup_);
    answerLanguage_->addItem(QString(), int(AnswerLanguage::Auto));
    answerLanguage_->addItem(QStringLiteral("English"), int(AnswerLanguage::English));  // not translated: the language's own name
    answerLanguage_->addItem(QStringLiteral("中文"), int(AnswerLanguage::Chinese));
    answerForm->addRow(temperatureLabel_, temperature_);
    answerForm->addRow(topPLabel_, topP_);
    answerForm->addRow(maxTokensLabel_, maxTokens_);
    answerForm->addRow(answerLanguageLabel_, answerLanguage_);
    layout->addWidget(answerGroup_);

    cacheGroup_ = new QGroupBox(this);
    cacheGroup_->setCheckable(true);
    auto* cacheForm = new QFormLayout(cacheGroup_);
    cacheNote_ = noteLabel(cacheGroup_);
    kLabel_ = new QLabel(cacheGroup_);
    k_ = new QSpinBox(cacheGroup_);
    k_->setRange(1, 100);
    k_->setKeyboardTracking(false);
    tLabel_ = new QLabel(cacheGroup_);
    t_ = decimalBox(cacheGroup_, 0.0, 100.0, 1.0, 1);
    wLabel_ = new QLabel(cacheGroup_);
    w_ = decimalBox(cacheGroup_, 0.0, 1.0, 0.05, 2);
    cacheForm->addRow(cacheNote_);
    cacheForm->addRow(kLabel_, k_);
    cacheForm->addRow(tLabel_, t_);
    cacheForm->addRow(wLabel_, w_);
    layout->addWidget(cacheGroup_);

    reset_ = new QPushButton(this);
    layout->addWidget(reset_, 0, Qt::AlignRight);

    modelGroup_ = new QGroupBox(this);
    auto* modelLayout = new QVBoxLayout(modelGroup_);
    modelInfo_ = new QLabel(modelGroup_);
    modelInfo_->setWordWrap(true);
    modelInfo_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    chooseModel_ = new QPushButton(modelGroup_);
    demoModel_ = new QPushButton(modelGroup_);
    serve_ = new QCheckBox(modelGroup_);
    serverStatus_ = noteLabel(modelGroup_);
    serverStatus_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    serverStatus_->hide();
    connect(serve_, &QCheckBox::toggled, this, [this](bool on) {
        if (!updating_) Q_EMIT serveToggled(on);
    });
    modelLayout->addWidget(modelInfo_);
    modelLayout->addWidget(chooseModel_);
    modelLayout->addWidget(demoModel_);
    modelLayout->addWidget(serve_);
    modelLayout->addWidget(serverStatus_);
    layout->addWidget(modelGroup_);

    interfaceGroup_ = new QGroupBox(this);
    auto* interfaceForm = new QFormLayout(interfaceGroup_);
    interfaceLanguageLabel_ = new QLabel(interfaceGroup_);
    interfaceLanguage_ = new QComboBox(interfaceGroup_);
    interfaceLanguage_->addItem(QString(), QStringLiteral("system"));  // not translated: the item's data (its text is set with the others)
    interfaceLanguage_->addItem(QStringLiteral("English"), QStringLiteral("en"));  // not translated: the language's own name
    interfaceLanguage_->addItem(QStringLiteral("简体中文"), QStringLiteral("zh_CN"));
    interfaceForm->addRow(interfaceLanguageLabel_, interfaceLanguage_);
    microphoneLabel_ = new QLabel(interfaceGroup_);
    microphone_ = new QComboBox(interfaceGroup_);
    microphone_->addItem(QString(), -1);  // the default input, named in retranslate()
    refreshMicrophones_ = new QPushButton(interfaceGroup_);
    microphoneProblem_ = new QLabel(interfaceGroup_);
    microphoneProblem_->setWordWrap(true);
    microphoneProblem_->hide();
    interfaceForm->addRow(microphoneLabel_, microphone_);
    interfaceForm->addRow(QString(), refreshMicrophones_);
    interfaceForm->addRow(microphoneProblem_);
    layout->addWidget(interfaceGroup_);
    layout->addStretch(1);

    for (QDoubleSpinBox* box : {temperature_, topP_, t_, w_})
        connect(box, &QDoubleSpinBox::valueChanged, this, &SettingsPanel::emitChanged);
    for (QSpinBox* box : {maxTokens_, k_}) connect(box, &QSpinBox::valueChanged, this, &SettingsPanel::emitChanged);
    connect(answerLanguage_, &QComboBox::currentIndexChanged, this, &SettingsPanel::emitChanged);
    connect(cacheGroup_, &QGroupBox::toggled, this, &SettingsPanel::emitChanged);
    connect(reset_, &QPushButton::clicked, this, &SettingsPanel::resetDefaults);
    connect(chooseModel_, &QPushButton::clicked, this, &SettingsPanel::chooseModelRequested);
    connect(demoModel_, &QPushButton::clicked, this, &SettingsPanel::demoModelRequested);
    connect(refreshMicrophones_, &QPushButton::clicked, this, &SettingsPanel::refreshMicrophones);
    connect(microphone_, &QComboBox::currentIndexChanged, this, [this] {
        if (!updating_) Q_EMIT microphoneChanged(microphoneDevice());
    });
    connect(interfaceLanguage_, &QComboBox::currentIndexChanged, this, [this] {
        if (!updating_) Q_EMIT interfaceLanguageChanged(interfaceLanguage());
    });

    setAnswerSettings(app::AnswerSettings{});
    retranslate();
}

void SettingsPanel::retranslate() {
    answerGroup_->setTitle(tr("Answer"));
    temperatureLabel_->setText(tr("Temperature"));
    temperature_->setToolTip(tr("Higher is more varied, 0 always picks the likeliest word (the reference uses 0.1)"));
    topPLabel_->setText(tr("Top-p"));
    topP_->setToolTip(tr("Sample only from the likeliest words that together reach this probability (0.75 in the reference)"));
    maxTokensLabel_->setText(tr("Max tokens"));
    maxTokens_->setToolTip(tr("The longest answer, in tokens (a token is about three quarters of an English word)"));
    answerLanguageLabel_->setText(tr("Answer language"));
    answerLanguage_->setItemText(0, tr("Automatic"));
    answerLanguage_->setToolTip(tr("Automatic answers in the language of the question"));

    cacheGroup_->setTitle(tr("Visual cache"));
    cacheGroup_->setToolTip(tr("Mixes the attachments' embedding with similar images from knn.index before answering; "
                               "this reduces hallucination on unusual inputs"));
    kLabel_->setText(tr("Neighbours (k)"));
    k_->setToolTip(tr("How many similar cached images to retrieve (default 10)"));
    tLabel_->setText(tr("Sharpness (t)"));
    t_->setToolTip(tr("Softmax temperature of the similarity weights (default 20)"));
    wLabel_->setText(tr("Mix (w)"));
    w_->setToolTip(tr("How much of the retrieved mean replaces the input embedding (default 0.5)"));
    reset_->setText(tr("Reset to defaults"));

    modelGroup_->setTitle(tr("Model"));
    chooseModel_->setText(tr("Choose model files…"));
    demoModel_->setText(tr("Use the demo model"));
    serve_->setText(tr("Serve this model to other programs on localhost"));
    serve_->setToolTip(tr("An OpenAI-compatible server on this computer only: editors, scripts and chat apps that speak "
                          "OpenAI's API can use this model through the same engine and queue as this window"));
    if (serve_->isChecked() && !serverAddress_.isEmpty())
        serverStatus_->setText(tr("Serving at %1 (OpenAI API)").arg(serverAddress_));
    interfaceGroup_->setTitle(tr("Interface"));
    interfaceLanguageLabel_->setText(tr("Language"));
    microphoneLabel_->setText(tr("Microphone"));
    microphone_->setItemText(0, tr("Default input"));
    refreshMicrophones_->setText(tr("Find microphones"));
    const QString systemLanguage = QLocale::system().nativeLanguageName();
    interfaceLanguage_->setItemText(0, systemLanguage.isEmpty() ? tr("System") : tr("System (%1)").arg(systemLanguage));
    setModelInfo(info_, loaded_);
}

void SettingsPanel::setServerState(bool running, const QString& addressOrProblem) {
    {
        const QScopedValueRollback<bool> guard(updating_, true);
        serve_->setChecked(running);
    }
    serverAddress_ = running ? addressOrProblem : QString();
    serverStatus_->setText(running ? tr("Serving at %1 (OpenAI API)").arg(addressOrProblem) : addressOrProblem);
    serverStatus_->setVisible(!serverStatus_->text().isEmpty());
}

QString SettingsPanel::serverStatus() const { return serverStatus_->text(); }

void SettingsPanel::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::LanguageChange) retranslate();
}

void SettingsPanel::keepIn(QSettings& settings) {
    setAnswerSettings(app::loadAnswerSettings(settings));
    setInterfaceLanguage(settings.value(QStringLiteral("ui/language"), QStringLiteral("system")).toString());
    connect(this, &SettingsPanel::answerSettingsChanged, this,
            [&settings](const app::AnswerSettings& s) { app::saveAnswerSettings(settings, s); });
    connect(this, &SettingsPanel::interfaceLanguageChanged, this, [&settings](const QString& code) {
        settings.setValue(QStringLiteral("ui/language"), code);
        applyUiLanguage(code);
    });
}

app::AnswerSettings SettingsPanel::answerSettings() const {
    app::AnswerSettings s;
    s.sampling.temperature = temperature_->value();
    s.sampling.top_p = topP_->value();
    s.sampling.max_tokens = maxTokens_->value();
    s.language = static_cast<AnswerLanguage>(answerLanguage_->currentData().toInt());
    s.cache.enabled = cacheGroup_->isChecked();
    s.cache.k = k_->value();
    s.cache.t = t_->value();
    s.cache.w = w_->value();
    return s;
}

void SettingsPanel::setAnswerSettings(const app::AnswerSettings& s) {
    updating_ = true;
    temperature_->setValue(s.sampling.temperature);
    topP_->setValue(s.sampling.top_p);
    maxTokens_->setValue(s.sampling.max_tokens);
    answerLanguage_->setCurrentIndex(qMax(0, answerLanguage_->findData(int(s.language))));
    cacheGroup_->setChecked(s.cache.enabled);
    k_->setValue(s.cache.k);
    t_->setValue(s.cache.t);
    w_->setValue(s.cache.w);
    updating_ = false;
}

void SettingsPanel::emitChanged() {
    if (!updating_) Q_EMIT answerSettingsChanged(answerSettings());
}

void SettingsPanel::resetDefaults() {
    setAnswerSettings(app::AnswerSettings{});
    emitChanged();
}

QString SettingsPanel::interfaceLanguage() const { return interfaceLanguage_->currentData().toString(); }

void SettingsPanel::setInterfaceLanguage(const QString& code) {
    updating_ = true;
    interfaceLanguage_->setCurrentIndex(qMax(0, interfaceLanguage_->findData(code)));
    updating_ = false;
}

void SettingsPanel::setModelInfo(const ibllm::ModelInfo& info, bool loaded) {
    info_ = info;
    loaded_ = loaded;
    cacheLoaded_ = loaded && info.has_cache;
    if (!loaded) {
        modelInfo_->setText(tr("No model is loaded."));
    } else if (info.demo) {
        modelInfo_->setText(tr("Demo model: tiny, random weights (%1 layers, dim %2). Its answers are random text.")
                                .arg(info.layers)
                                .arg(info.dim));
    } else {
        QString text = tr("%1, %2 layers, %3 precision, context %4 tokens")
                           .arg(QString::fromStdString(info.llama))
                           .arg(info.layers)
                           .arg(QString::fromStdString(info.precision))
                           .arg(info.context);
        if (info.has_cache)
            text += QLatin1Char('\n') + tr("Visual cache: %1 images").arg(QLocale().toString(qlonglong(info.cache_entries)));
        modelInfo_->setText(text);
    }
    // The cache settings stay editable (they are remembered) but say when they do nothing.
    cacheNote_->setText(cacheLoaded_ ? QString()
                                     : tr("No knn.index is loaded; choose one in the model files to use the cache."));
    cacheNote_->setVisible(!cacheLoaded_);
}

}  // namespace ibllm::ui

namespace ibllm::ui {

int SettingsPanel::microphoneDevice() const {
    return microphone_->currentData().isValid() ? microphone_->currentData().toInt() : -1;
}

void SettingsPanel::refreshMicrophones() {
    const int current = microphoneDevice();
    std::vector<media::InputDevice> devices;
    QString problem;
    try {
        devices = media::list_input_devices();
        if (devices.empty())
            problem = tr("No microphone was found; connect one and press \"Find microphones\" again.");
    } catch (const std::exception& e) {
        problem = QString::fromStdString(e.what());
    }
    {
        const QScopedValueRollback<bool> quiet(updating_, true);
        while (microphone_->count() > 1) microphone_->removeItem(1);
        for (const media::InputDevice& d : devices)
            microphone_->addItem(QString::fromStdString(d.name), d.index);
        const int found = microphone_->findData(current);
        microphone_->setCurrentIndex(found >= 0 ? found : 0);
    }
    microphoneProblem_->setText(problem);
    microphoneProblem_->setVisible(!problem.isEmpty());
    if (microphoneDevice() != current) Q_EMIT microphoneChanged(microphoneDevice());
}

}  // namespace ibllm::ui
