#pragma once
// The subcommands of ibllm-cli. Each returns the process exit code; user errors are thrown
// (ibllm::Error, UsageError) and main() turns them into one line on stderr and exit code 2.
namespace ibllm::cli {

int run_ask(int argc, char** argv);
int run_chat(int argc, char** argv);  // a conversation on standard input and output (Qt Core)
int run_tokenize(int argc, char** argv);
int run_inspect(int argc, char** argv);
int run_make_demo(int argc, char** argv);
int run_embed(int argc, char** argv);
int run_preprocess(int argc, char** argv);
int run_train(int argc, char** argv);
int run_world(int argc, char** argv);
int run_world_eval(int argc, char** argv);  // world eval, called by run_world
int run_cache(int argc, char** argv);       // cache build
int run_serve(int argc, char** argv);       // the OpenAI-compatible server (Qt Core)

}  // namespace ibllm::cli
