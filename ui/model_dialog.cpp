#include "ui/model_dialog.h"

#include "app/weights_format_needs.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QEvent>
#include <QFileDialog>
#include <QGridLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStyle>
#include <QTimer>
#include <QVBoxLayout>

#include "app/engine_types.h"

namespace ibllm::ui {

ModelDialog::ModelDialog(const app::ModelConfig& current, QWidget* parent) : QDialog(parent) {
    auto* layout = new QVBoxLayout(this);
    intro_ = new QLabel(this);
    intro_->setWordWrap(true);
    layout->addWidget(intro_);

    auto* grid = new QGridLayout;
    grid->setColumnStretch(1, 1);
    grid->setVerticalSpacing(2);
    for (int f = 0; f < FieldCount; ++f) {
        Row& row = rows_[f];
        row.title = new QLabel(this);
        row.edit = new QLineEdit(this);
        row.edit->setClearButtonEnabled(true);
        row.edit->setMinimumWidth(380);
        row.title->setBuddy(row.edit);
        row.browse = new QPushButton(this);
        row.message = new QLabel(this);
        row.message->setWordWrap(true);
        row.message->hide();
        grid->addWidget(row.title, 2 * f, 0);
        grid->addWidget(row.edit, 2 * f, 1);
        grid->addWidget(row.browse, 2 * f, 2);
        grid->addWidget(row.message, 2 * f + 1, 1, 1, 2);
        grid->setRowMinimumHeight(2 * f + 1, 6);
        connect(row.browse, &QPushButton::clicked, this, [this, f] { browse(Field(f)); });
    }
    layout->addLayout(grid);

    auto* options = new QGridLayout;
    precisionLabel_ = new QLabel(this);
    precision_ = new QComboBox(this);
    precision_->addItem(QString(), int(Precision::Auto));
    precision_->addItem(QStringLiteral("bf16"), int(Precision::Bf16));  // not translated: a number format
    precision_->addItem(QStringLiteral("fp32"), int(Precision::Fp32));  // not translated: a number format
    weightsLabel_ = new QLabel(this);
    weights_ = new QComboBox(this);
    weights_->addItem(QStringLiteral("bf16"), int(WeightFormat::Bf16));  // not translated: a number format
    weights_->addItem(QStringLiteral("int8"), int(WeightFormat::Int8));  // not translated: a number format
    weights_->addItem(QStringLiteral("q4"), int(WeightFormat::Q4));      // not translated: a number format
    weightsNote_ = new QLabel(this);
    weightsNote_->setWordWrap(true);
    weightsNote_->setForegroundRole(QPalette::PlaceholderText);
    threadsLabel_ = new QLabel(this);
    threads_ = new QSpinBox(this);
    threads_->setRange(0, 256);
    contextLabel_ = new QLabel(this);
    context_ = new QSpinBox(this);
    context_->setRange(256, 2048);
    context_->setSingleStep(256);
    options->addWidget(precisionLabel_, 0, 0);
    options->addWidget(precision_, 0, 1);
    options->addWidget(threadsLabel_, 0, 2);
    options->addWidget(threads_, 0, 3);
    options->addWidget(contextLabel_, 0, 4);
    options->addWidget(context_, 0, 5);
    options->addWidget(weightsLabel_, 1, 0);
    options->addWidget(weights_, 1, 1);
    options->addWidget(weightsNote_, 1, 2, 1, 5);
    options->setColumnStretch(6, 1);
    layout->addLayout(options);

    summary_ = new QLabel(this);
    summary_->setWordWrap(true);
    layout->addWidget(summary_);

    buttons_ = new QDialogButtonBox(this);
    load_ = buttons_->addButton(QString(), QDialogButtonBox::AcceptRole);
    load_->setDefault(true);
    demo_ = buttons_->addButton(QString(), QDialogButtonBox::ResetRole);
    buttons_->addButton(QDialogButtonBox::Cancel);
    layout->addWidget(buttons_);
    connect(buttons_, &QDialogButtonBox::accepted, this, [this] {
        validateNow();
        if (load_->isEnabled()) accept();
    });
    connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(demo_, &QPushButton::clicked, this, [this] {
        demoChosen_ = true;
        accept();
    });

    rows_[Llama].edit->setText(app::fromStd(current.paths.onellm_dir.empty() ? current.paths.llama_dir : current.paths.onellm_dir));
    rows_[Tokenizer].edit->setText(app::fromStd(current.paths.tokenizer));
    rows_[Adapter].edit->setText(app::fromStd(current.paths.adapter));
    rows_[ImageBind].edit->setText(app::fromStd(current.paths.imagebind));
    rows_[Cache].edit->setText(app::fromStd(current.paths.cache));
    precision_->setCurrentIndex(qMax(0, precision_->findData(int(current.options.precision))));
    weights_->setCurrentIndex(qMax(0, weights_->findData(int(current.options.weight_format))));
    connect(weights_, &QComboBox::currentIndexChanged, this, &ModelDialog::updateWeightsNote);
    threads_->setValue(current.options.threads);
    context_->setValue(current.options.context);

    validateTimer_ = new QTimer(this);
    validateTimer_->setSingleShot(true);
    validateTimer_->setInterval(250);  // after a typing pause: each check touches the disk
    connect(validateTimer_, &QTimer::timeout, this, &ModelDialog::validateNow);
    for (const Row& row : rows_) connect(row.edit, &QLineEdit::textChanged, validateTimer_, qOverload<>(&QTimer::start));

    retranslate();
    validateNow();
}

void ModelDialog::retranslate() {
    setWindowTitle(tr("Model files"));
    intro_->setText(tr("ImageBind-LLM answers with LLaMA-7B, its tokenizer and the ImageBind-LLM adapter. "
                       "ImageBind (imagebind_w3D.pth) is needed to attach files, and knn.index enables the visual cache; "
                       "both are optional. A OneLLM folder holds everything that model needs: choose it as the model folder. "
                       "Nothing is copied: the files are read where they are."));
    rows_[Llama].title->setText(tr("Model folder"));
    rows_[Llama].edit->setPlaceholderText(tr("LLaMA-7B (params.json, consolidated.00.pth) or OneLLM (consolidated.00-of-01.pth)"));
    rows_[Tokenizer].title->setText(tr("Tokenizer"));
    rows_[Tokenizer].edit->setPlaceholderText(QStringLiteral("tokenizer.model"));  // not translated: a file name
    rows_[Adapter].title->setText(tr("Adapter"));
    rows_[Adapter].edit->setPlaceholderText(tr("ImageBind-LLM adapter, e.g. 7B.pth"));
    rows_[ImageBind].title->setText(tr("ImageBind (optional)"));
    rows_[ImageBind].edit->setPlaceholderText(QStringLiteral("imagebind_w3D.pth"));  // not translated: a file name
    rows_[Cache].title->setText(tr("Visual cache (optional)"));
    rows_[Cache].edit->setPlaceholderText(QStringLiteral("knn.index"));  // not translated: a file name
    for (Row& row : rows_) row.browse->setText(tr("Browse…"));
    precisionLabel_->setText(tr("Precision"));
    precision_->setItemText(0, tr("Automatic"));
    precision_->setToolTip(tr("bf16 halves the memory of fp32 and is faster on recent CPUs; automatic picks bf16 "
                              "for half-precision checkpoints"));
    weightsLabel_->setText(tr("Weights"));
    weights_->setToolTip(tr("How the language model's weights are kept in memory: bf16 is exact; int8 and q4 take less "
                            "memory and decode faster, at a small cost to the answers"));
    threadsLabel_->setText(tr("Threads"));
    threads_->setSpecialValueText(tr("all cores"));
    contextLabel_->setText(tr("Context"));
    context_->setSuffix(tr(" tokens"));
    load_->setText(tr("Load"));
    demo_->setText(tr("Use the demo model"));
    demo_->setToolTip(tr("A tiny model with random weights, for trying the app without the real files"));
    validateNow();
}

void ModelDialog::changeEvent(QEvent* event) {
    QDialog::changeEvent(event);
    if (event->type() == QEvent::LanguageChange) retranslate();
}

app::ModelConfig ModelDialog::config() const {
    app::ModelConfig c;
    if (app::isOnellmFolder(rows_[Llama].edit->text().trimmed())) c.paths.onellm_dir = app::toStd(rows_[Llama].edit->text().trimmed());
    c.paths.llama_dir = app::toStd(rows_[Llama].edit->text().trimmed());
    c.paths.tokenizer = app::toStd(rows_[Tokenizer].edit->text().trimmed());
    c.paths.adapter = app::toStd(rows_[Adapter].edit->text().trimmed());
    c.paths.imagebind = app::toStd(rows_[ImageBind].edit->text().trimmed());
    c.paths.cache = app::toStd(rows_[Cache].edit->text().trimmed());
    c.options.precision = static_cast<Precision>(precision_->currentData().toInt());
    c.options.weight_format = static_cast<WeightFormat>(weights_->currentData().toInt());
    c.options.threads = threads_->value();
    c.options.context = context_->value();
    return c;
}

QString ModelDialog::weightsNote() const { return weightsNote_->text(); }

void ModelDialog::updateWeightsNote() {
    const auto format = static_cast<WeightFormat>(weights_->currentData().toInt());
    weightsNote_->setText(app::weightsFormatSummary(format, app::llamaParameterCount(rows_[Llama].edit->text().trimmed())));
}

void ModelDialog::browse(Field f) {
    QLineEdit* edit = rows_[f].edit;
    const QString start = edit->text().isEmpty() ? QDir::homePath() : edit->text();
    QString chosen;
    if (f == Llama) {
        chosen = QFileDialog::getExistingDirectory(this, tr("Choose the model folder"), start);
        if (!app::isOnellmFolder(chosen)) chosen = app::resolveLlamaFolder(chosen);
    } else {
        const QString filter = f == Tokenizer ? tr("Tokenizer (*.model);;All files (*)")
                               : f == Cache   ? tr("FAISS index (*.index);;All files (*)")
                                              : tr("PyTorch checkpoints (*.pth *.pt);;All files (*)");
        chosen = QFileDialog::getOpenFileName(this, rows_[f].title->text(), start, filter);
    }
    if (chosen.isEmpty()) return;
    edit->setText(QDir::toNativeSeparators(chosen));
    fillSuggestions();
    validateNow();
}

void ModelDialog::fillSuggestions() {
    // Meta's download keeps tokenizer.model next to the 7B folder; fill it in when empty.
    const QString llama = rows_[Llama].edit->text().trimmed();
    if (rows_[Tokenizer].edit->text().trimmed().isEmpty()) {
        const QString tokenizer = app::findTokenizerNear(llama);
        if (!tokenizer.isEmpty()) rows_[Tokenizer].edit->setText(QDir::toNativeSeparators(tokenizer));
    }
}

void ModelDialog::showMessage(Field f, const QString& text) {
    QLabel* label = rows_[f].message;
    label->setText(text);
    label->setVisible(!text.isEmpty());
}

QString ModelDialog::message(Field f) const { return rows_[f].message->text(); }

bool ModelDialog::messageVisible(Field f) const { return !rows_[f].message->isHidden(); }

void ModelDialog::validateNow() {
    validateTimer_->stop();
    const app::ModelCheck check = app::checkModelPaths(config().paths);
    // OneLLM's folder holds its tokenizer and encoders: the other files are not used.
    const bool onellm = !config().paths.onellm_dir.empty();
    for (Field f : {Tokenizer, Adapter, ImageBind, Cache}) {
        rows_[f].edit->setEnabled(!onellm);
        rows_[f].browse->setEnabled(!onellm);
    }
    showMessage(Llama, check.llama);
    showMessage(Tokenizer, check.tokenizer);
    showMessage(Adapter, check.adapter);
    showMessage(ImageBind, check.imagebind);
    showMessage(Cache, check.cache);
    load_->setEnabled(check.ok());
    updateWeightsNote();  // the LLaMA folder may have changed
    if (check.ok())
        summary_->setText(tr("Ready to load %1.").arg(check.llamaDescription));
    else
        summary_->setText(QString());
}

}  // namespace ibllm::ui
