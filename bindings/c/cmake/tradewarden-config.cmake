# CMake package of tradewarden (installed by bindings/c/install.sh).
#
#   find_package(tradewarden 0.1 REQUIRED)
#   target_link_libraries(app PRIVATE tradewarden::tradewarden)         # shared
#   target_link_libraries(app PRIVATE tradewarden::tradewarden_static)  # static
#
# Both targets carry the include directory (tradewarden.h, tradewarden.hpp)
# and, when the library was built with the cargo feature `inference`
# (install.sh --features inference), the compile definition
# TRADEWARDEN_INFERENCE that enables the tw_predictor_* declarations and the
# tw_registry_* ones that load models (promote, rollback, load_active…). Sets tradewarden_INCLUDE_DIR, tradewarden_LIBRARY (the shared
# library), tradewarden_FEATURES (the cargo features, a list) and
# tradewarden_HAS_INFERENCE (TRUE/FALSE).

get_filename_component(_tw_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
set(tradewarden_INCLUDE_DIR "${_tw_prefix}/include")
set(tradewarden_LIBRARY "${_tw_prefix}/lib/libtradewarden.so")
set(_tw_static "${_tw_prefix}/lib/libtradewarden.a")

foreach(_tw_file "${tradewarden_INCLUDE_DIR}/tradewarden.h" "${tradewarden_LIBRARY}" "${_tw_static}")
  if(NOT EXISTS "${_tw_file}")
    set(tradewarden_FOUND FALSE)
    set(tradewarden_NOT_FOUND_MESSAGE "tradewarden: ${_tw_file} is missing (re-run bindings/c/install.sh)")
    return()
  endif()
endforeach()

# The cargo features, substituted by install.sh (--features); the copy in the
# source tree, unsubstituted, means none.
set(tradewarden_FEATURES "@FEATURES@")
set(_tw_defines "")
if("inference" IN_LIST tradewarden_FEATURES)
  set(tradewarden_HAS_INFERENCE TRUE)
  list(APPEND _tw_defines TRADEWARDEN_INFERENCE)
else()
  set(tradewarden_HAS_INFERENCE FALSE)
endif()

include(CMakeFindDependencyMacro)
set(THREADS_PREFER_PTHREAD_FLAG ON)
find_dependency(Threads)

if(NOT TARGET tradewarden::tradewarden)
  add_library(tradewarden::tradewarden SHARED IMPORTED)
  set_target_properties(tradewarden::tradewarden PROPERTIES
    IMPORTED_LOCATION "${tradewarden_LIBRARY}"
    # the Rust cdylib has no SONAME: link it as -ltradewarden
    IMPORTED_NO_SONAME TRUE
    INTERFACE_INCLUDE_DIRECTORIES "${tradewarden_INCLUDE_DIR}"
    INTERFACE_COMPILE_DEFINITIONS "${_tw_defines}")
endif()

if(NOT TARGET tradewarden::tradewarden_static)
  add_library(tradewarden::tradewarden_static STATIC IMPORTED)
  set_target_properties(tradewarden::tradewarden_static PROPERTIES
    IMPORTED_LOCATION "${_tw_static}"
    IMPORTED_LINK_INTERFACE_LANGUAGES "C"
    INTERFACE_INCLUDE_DIRECTORIES "${tradewarden_INCLUDE_DIR}"
    INTERFACE_COMPILE_DEFINITIONS "${_tw_defines}"
    # what the Rust standard library needs on Linux
    INTERFACE_LINK_LIBRARIES "Threads::Threads;${CMAKE_DL_LIBS};m;rt;util")
endif()

unset(_tw_defines)
unset(_tw_static)
unset(_tw_file)
unset(_tw_prefix)
set(tradewarden_FOUND TRUE)
