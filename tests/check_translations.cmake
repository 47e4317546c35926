# CTest's test_translations (cmake -P): the Chinese UI is complete.
#  1. lupdate reads the sources (the build's own project file) into a copy of each i18n/*.ts: a
#     string in the code that the .ts lacks, or that is not translated, comes out "unfinished"
#     (or empty) and fails the test, naming it.
#  2. A user-visible string written as a bare literal (set on a widget, an action or a message
#     box without tr()) fails it too. A literal that must not be translated (a file name, a
#     format such as bf16, a language's own name) carries "// not translated: why" on its line.
# Variables: SOURCE_DIR, LUPDATE (the program), PROJECT_CMAKE (the lupdate project that
# qt_add_translations wrote at configure time), PROJECT_SCRIPT (Qt's script that turns it into
# the JSON lupdate reads; the build makes that JSON only when the .ts files are updated), WORK_DIR.
cmake_minimum_required(VERSION 3.16)

set(problems "")
file(MAKE_DIRECTORY ${WORK_DIR})
set(PROJECT_JSON ${WORK_DIR}/project.json)
execute_process(COMMAND ${CMAKE_COMMAND} -DIN_FILE=${PROJECT_CMAKE} -DOUT_FILE=${PROJECT_JSON} -P ${PROJECT_SCRIPT}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "could not make lupdate's project from ${PROJECT_CMAKE}: ${out}${err}")
endif()
file(GLOB ts_files ${SOURCE_DIR}/i18n/*.ts)
if(NOT ts_files)
  message(FATAL_ERROR "no translations in ${SOURCE_DIR}/i18n")
endif()
foreach(ts ${ts_files})
  get_filename_component(name ${ts} NAME)
  set(copy ${WORK_DIR}/${name})
  file(COPY_FILE ${ts} ${copy})
  execute_process(COMMAND ${LUPDATE} -project ${PROJECT_JSON} -no-obsolete -locations none -ts ${copy}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "lupdate failed on ${name}: ${out}${err}")
  endif()
  file(READ ${copy} text)
  # Each message on one line, so that a source and its translation are matched together.
  string(REPLACE ";" "@SEMICOLON@" text "${text}")  # not a list separator
  string(REPLACE "\n" " " text "${text}")
  string(REPLACE "<message" "\n<message" text "${text}")
  string(REPLACE "\n" ";" messages "${text}")
  foreach(m IN LISTS messages)
    if(m MATCHES "^<message" AND (m MATCHES "type=\"unfinished\"" OR m MATCHES "<translation></translation>"
                                  OR m MATCHES "<translation/>" OR m MATCHES "type=\"vanished\"" OR m MATCHES "type=\"obsolete\""))
      string(REGEX MATCH "<source>[^<]*</source>" source "${m}")
      string(REPLACE "@SEMICOLON@" ";" source "${source}")
      string(APPEND problems "  ${name}: not translated: ${source}\n")
    endif()
  endforeach()
endforeach()

file(GLOB_RECURSE sources ${SOURCE_DIR}/ui/*.cpp ${SOURCE_DIR}/app/*.cpp)
list(FILTER sources EXCLUDE REGEX "/app/(cli|server)/")  # the terminal's and the API's words are English
set(visible "(setText|setToolTip|setWindowTitle|setPlaceholderText|setStatusTip|setTitle|setItemText|addItem|addAction|addMenu|setLabelText|showMessage|setAccessibleName|setWhatsThis|information|warning|critical|question|QLabel|QPushButton|QCheckBox|QRadioButton|QGroupBox|QAction|QToolButton|QMenu)\\(")
foreach(f ${sources})
  file(STRINGS ${f} lines)
  set(n 0)
  foreach(line IN LISTS lines)
    math(EXPR n "${n} + 1")
    if(line MATCHES "${visible}.*\"[A-Za-z]" AND NOT line MATCHES "tr\\(\"" AND NOT line MATCHES "// not translated:")
      file(RELATIVE_PATH rel ${SOURCE_DIR} ${f})
      string(STRIP "${line}" line)
      string(APPEND problems "  ${rel}:${n}: a visible string without tr(): ${line}\n")
    endif()
  endforeach()
endforeach()

if(problems)
  message(FATAL_ERROR "The UI has strings its translations do not cover (refresh the .ts with the update_translations "
                      "target and translate them, or wrap the string in tr()):\n${problems}")
endif()
message(STATUS "every UI string is in tr() and translated in ${ts_files}")
