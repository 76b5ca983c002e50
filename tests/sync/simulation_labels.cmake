# Run by CTest after the discovered simulation tests are added (TEST_INCLUDE_FILES): gives them
# both labels. catch_discover_tests flattens a list passed as PROPERTIES LABELS "sync;simulation"
# into LABELS sync plus a stray property named simulation, so `ctest -L simulation` found none.
if(DEFINED crdt-sim-tests_TESTS)
  set_tests_properties(${crdt-sim-tests_TESTS} PROPERTIES LABELS "sync;simulation")
endif()
