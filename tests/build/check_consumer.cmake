# Installs the build tree into a scratch prefix, then configures, builds and runs an outside project
# that uses find_package(crdt CONFIG REQUIRED): a small program per layer, every type through the
# store and a node, and the README's examples (docs/examples), each run in a folder of its own.
# Any failure, of the install, the build or a program, fails the test.
#
# -D: BUILD_DIR, WORK_DIR, CONSUMER_DIR, EXAMPLES_DIR; optional CXX_COMPILER and CXX_FLAGS (the
# build's sanitizer flags, which the installed static libraries need at link time too).
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix
                RESULT_VARIABLE result OUTPUT_QUIET)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "cmake --install failed: ${result}")
endif()
set(configure_args -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_BUILD_TYPE=Release
                   -DCRDT_EXAMPLES_DIR=${EXAMPLES_DIR})
if(CXX_COMPILER)
  list(APPEND configure_args -DCMAKE_CXX_COMPILER=${CXX_COMPILER})
endif()
if(CXX_FLAGS)
  list(APPEND configure_args "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
              "-DCMAKE_EXE_LINKER_FLAGS=${CXX_FLAGS}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${WORK_DIR}/build ${configure_args}
                RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "configuring the consumer project failed: ${result}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/build --parallel 2
                RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "building the consumer project failed: ${result}")
endif()

# Each program checks itself and exits 0 only when it got what it expected; its last line says so.
set(programs consumer every_type cart serialization text store_cart sync_cart)
set(failures "")
foreach(program IN LISTS programs)
  set(run_dir ${WORK_DIR}/run/${program})
  file(MAKE_DIRECTORY ${run_dir})
  execute_process(COMMAND ${WORK_DIR}/build/${program} WORKING_DIRECTORY ${run_dir}
                  TIMEOUT 120 RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  string(STRIP "${out}${err}" text)
  if(NOT result EQUAL 0 OR text STREQUAL "")
    string(APPEND failures "${program} (exit ${result}): ${text}\n")
  else()
    message(STATUS "${program}: ${text}")
  endif()
endforeach()
if(failures)
  message(FATAL_ERROR "consumer programs failed:\n${failures}")
endif()
