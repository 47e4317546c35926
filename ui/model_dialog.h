#pragma once
// Choosing the model files: the LLaMA-7B folder, its tokenizer, the ImageBind-LLM adapter,
// and optionally ImageBind and the visual cache, plus precision, threads and context. Every
// path is checked as it is typed or picked, with one sentence under the field that is wrong;
// Load stays disabled until the required files are right.
#include <QDialog>

#include "app/model_config.h"
#include "app/model_validation.h"

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTimer;

namespace ibllm::ui {

class ModelDialog : public QDialog {
    Q_OBJECT
public:
    enum Field { Llama, Tokenizer, Adapter, ImageBind, Cache, FieldCount };

    explicit ModelDialog(const app::ModelConfig& current, QWidget* parent = nullptr);

    app::ModelConfig config() const;
    // True when the user chose "Use the demo model" instead of Load.
    bool demoChosen() const { return demoChosen_; }

    QLineEdit* field(Field f) const { return rows_[f].edit; }
    // The message shown under a field ("" when it is fine), and whether it is visible.
    QString message(Field f) const;
    bool messageVisible(Field f) const;
    QPushButton* loadButton() const { return load_; }
    QComboBox* weightsBox() const { return weights_; }
    // What the chosen weights format needs and does, for the LLaMA folder given.
    QString weightsNote() const;
    // Validates at once instead of after the typing pause.
    void validateNow();

protected:
    void changeEvent(QEvent* event) override;

private:
    struct Row {
        QLabel* title = nullptr;
        QLineEdit* edit = nullptr;
        QPushButton* browse = nullptr;
        QLabel* message = nullptr;
    };

    void retranslate();
    void browse(Field f);
    void showMessage(Field f, const QString& text);
    void fillSuggestions();
    void updateWeightsNote();

    Row rows_[FieldCount];
    QLabel* intro_;
    QLabel* summary_;
    QLabel* precisionLabel_;
    QComboBox* precision_;
    QLabel* weightsLabel_;
    QComboBox* weights_;
    QLabel* weightsNote_;
    QLabel* threadsLabel_;
    QSpinBox* threads_;
    QLabel* contextLabel_;
    QSpinBox* context_;
    QDialogButtonBox* buttons_;
    QPushButton* load_;
    QPushButton* demo_;
    QTimer* validateTimer_;
    bool demoChosen_ = false;
};

}  // namespace ibllm::ui
