#include "ui/ui_language.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QPointer>
#include <QTranslator>

namespace ibllm::ui {

namespace {
QPointer<QTranslator> appTranslator;
QPointer<QTranslator> qtTranslator;  // Qt's own strings: standard buttons, file dialogs
}  // namespace

QString resolveUiLanguage(const QString& choice) {
    if (choice == QLatin1String("en") || choice == QLatin1String("zh_CN")) return choice;
    // Traditional-script locales read Simplified Chinese far better than English.
    return QLocale::system().language() == QLocale::Chinese ? QStringLiteral("zh_CN") : QStringLiteral("en");
}

QString applyUiLanguage(const QString& choice) {
    QCoreApplication* app = QCoreApplication::instance();
    if (!app) return QStringLiteral("en");
    for (QPointer<QTranslator>* t : {&appTranslator, &qtTranslator}) {
        if (*t) {
            QCoreApplication::removeTranslator(*t);
            delete t->data();
        }
    }
    const QString language = resolveUiLanguage(choice);
    if (language == QLatin1String("en")) {
        // No translator is English; still tell the widgets, which may be showing Chinese.
        QEvent change(QEvent::LanguageChange);
        QCoreApplication::sendEvent(app, &change);
        return language;
    }
    appTranslator = new QTranslator(app);
    if (!appTranslator->load(QStringLiteral(":/i18n/imagebind-llm_%1.qm").arg(language))) {
        delete appTranslator.data();
        return QStringLiteral("en");
    }
    QCoreApplication::installTranslator(appTranslator);
    qtTranslator = new QTranslator(app);
    if (qtTranslator->load(QStringLiteral("qtbase_%1").arg(language), QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QCoreApplication::installTranslator(qtTranslator);
    else
        delete qtTranslator.data();
    return language;
}

}  // namespace ibllm::ui
