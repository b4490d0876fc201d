# cogsync_layer(NAME [DEPENDS layer...] [SOURCES file...]): the static library cogsync_NAME from
# src/NAME/**/*.cc (the program's entry point src/cli/main.cc excepted) and any generated SOURCES,
# linked to the layers it depends on.
#
# Its include path is ${CMAKE_BINARY_DIR}/layers/NAME/, a directory holding one symbolic link per
# visible layer (NAME itself and everything it depends on, directly or through another layer)
# to src/<layer>/. `#include "sync/service.h"` therefore resolves only in layers that may see
# sync; in any other it is "No such file or directory". The layers add no include directory to
# their users, so visibility never leaks upwards through target_link_libraries.
#
# A layer may only depend on layers declared before it: the order of the calls is the order of
# the layers, bottom first, and a cycle cannot be written down.

set(COGSYNC_LAYERS "" CACHE INTERNAL "")

function(cogsync_layer name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "DEPENDS;SOURCES")
  set(visible ${name})
  foreach(dep IN LISTS arg_DEPENDS)
    if(NOT TARGET cogsync_${dep})
      message(FATAL_ERROR "layer ${name} depends on ${dep}, which is not declared before it")
    endif()
    get_target_property(dep_visible cogsync_${dep} COGSYNC_VISIBLE_LAYERS)
    list(APPEND visible ${dep_visible})
  endforeach()
  list(REMOVE_DUPLICATES visible)

  set(view ${CMAKE_BINARY_DIR}/layers/${name})
  # Drop links of an earlier configuration one by one (never a recursive removal: the links
  # point into the source tree).
  file(MAKE_DIRECTORY ${view})
  file(GLOB stale LIST_DIRECTORIES true ${view}/*)
  foreach(link IN LISTS stale)
    if(IS_SYMLINK ${link})
      file(REMOVE ${link})
    endif()
  endforeach()
  foreach(layer IN LISTS visible)
    file(CREATE_LINK ${CMAKE_SOURCE_DIR}/src/${layer} ${view}/${layer} SYMBOLIC)
  endforeach()

  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/${name}/*.cc)
  list(REMOVE_ITEM sources ${CMAKE_SOURCE_DIR}/src/cli/main.cc)
  add_library(cogsync_${name} STATIC ${sources} ${arg_SOURCES})
  target_include_directories(cogsync_${name} PRIVATE ${view})
  set_target_properties(cogsync_${name} PROPERTIES COGSYNC_VISIBLE_LAYERS "${visible}")
  foreach(dep IN LISTS arg_DEPENDS)
    target_link_libraries(cogsync_${name} PUBLIC cogsync_${dep})
  endforeach()
  set(COGSYNC_LAYERS ${COGSYNC_LAYERS} cogsync_${name} CACHE INTERNAL "")
endfunction()
