#pragma once
// The engine's request and result structs as Qt metatypes, so that they cross the queued
// connections between the UI thread and the engine worker by value (a copy per request,
// which is nothing next to a forward pass).
#include <QJsonObject>
#include <QMetaType>
#include <QString>

#include "engine/engine.h"

Q_DECLARE_METATYPE(ibllm::ModelPaths)
Q_DECLARE_METATYPE(ibllm::LoadOptions)
Q_DECLARE_METATYPE(ibllm::ModelInfo)
Q_DECLARE_METATYPE(ibllm::AskRequest)
Q_DECLARE_METATYPE(ibllm::AskStats)

namespace ibllm::app {

// Idempotent; EngineWorker calls it, so anything that creates a worker is covered.
void registerEngineMetaTypes();

// The engine speaks UTF-8 std::string; Qt speaks UTF-16 QString.
inline std::string toStd(const QString& s) { return s.toStdString(); }
inline QString fromStd(const std::string& s) { return QString::fromStdString(s); }

// The statistics of an answer as stored with the message (the ids are left out: they are
// large and only the engine can read them).
QJsonObject statsToJson(const AskStats& stats);

}  // namespace ibllm::app
