#include "app/conversation_markdown.h"

#include <QCoreApplication>
#include <QLocale>
#include <QSaveFile>

namespace ibllm::app {

namespace {

// The translation context of the exported text.
struct ConversationExport {
    Q_DECLARE_TR_FUNCTIONS(ConversationExport)
};

QString quoted(const QString& text) {
    QStringList lines = text.split(QLatin1Char('\n'));
    for (QString& line : lines) line = line.isEmpty() ? QStringLiteral(">") : QStringLiteral("> ") + line;
    return lines.join(QLatin1Char('\n'));
}

}  // namespace

QString conversationToMarkdown(const ConversationSummary& conversation, const QList<StoredMessage>& messages) {
    const QLocale locale;
    QString md;
    const QString title = conversation.title.isEmpty() ? ConversationExport::tr("New chat") : conversation.title;
    md += QStringLiteral("# ") + title + QStringLiteral("\n\n");
    md += QStringLiteral("*") +
          ConversationExport::tr("Exported from ImageBind-LLM on %1").arg(locale.toString(QDateTime::currentDateTime(), QLocale::LongFormat)) +
          QStringLiteral("*\n\n");
    for (const StoredMessage& m : messages) {
        md += QStringLiteral("## ") + (m.role == Role::User ? ConversationExport::tr("You") : ConversationExport::tr("ImageBind-LLM")) + QStringLiteral("\n\n");
        if (m.role == Role::User) {
            md += quoted(m.text) + QStringLiteral("\n\n");
            for (const StoredAttachment& a : m.attachments)
                md += QStringLiteral("- ") +
                      ConversationExport::tr("Attached %1: `%2` (fusion weight %3)")
                          .arg(modalityDisplayName(a.modality), a.path, QString::number(a.weight, 'f', 2)) +
                      QStringLiteral("\n");
            if (!m.attachments.isEmpty()) md += QLatin1Char('\n');
        } else {
            md += m.text.trimmed() + QStringLiteral("\n\n");
            if (m.stats.value(QStringLiteral("cancelled")).toBool()) md += QStringLiteral("*") + ConversationExport::tr("(stopped)") + QStringLiteral("*\n\n");
        }
    }
    return md;
}

QString exportConversationMarkdown(ConversationStore& store, qint64 conversation, const QString& path) {
    const std::optional<ConversationSummary> summary = store.conversation(conversation);
    if (!summary) return ConversationExport::tr("The conversation no longer exists.");
    const QByteArray bytes = conversationToMarkdown(*summary, store.messages(conversation)).toUtf8();
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
        return ConversationExport::tr("Cannot write %1 (%2); choose another folder.").arg(path, file.errorString());
    return QString();
}

}  // namespace ibllm::app
