# ctest `package`: install the current build into a temporary prefix, then configure, build and
# run tests/package (find_package(slope) + slope::slope) against that prefix alone.
# Inputs: SLOPE_BUILD_DIR, WORK_DIR, PACKAGE_SOURCE_DIR, CXX_COMPILER, BUILD_TYPE, GENERATOR.
cmake_minimum_required(VERSION 3.20)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGN}")
    message(FATAL_ERROR "[package] command failed (${rc}): ${cmd}")
  endif()
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
run(${CMAKE_COMMAND} --install ${SLOPE_BUILD_DIR} --prefix ${prefix})
if(NOT EXISTS ${prefix}/include/slope/slope.h)
  message(FATAL_ERROR "[package] the install has no include/slope/slope.h")
endif()
run(${CMAKE_COMMAND} -S ${PACKAGE_SOURCE_DIR} -B ${WORK_DIR}/build -G ${GENERATOR}
    -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_BUILD_TYPE=${BUILD_TYPE}
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
execute_process(COMMAND ${WORK_DIR}/build/app RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 0 OR NOT out MATCHES "package ok")
  message(FATAL_ERROR "[package] the outside app failed (exit ${rc})")
endif()
