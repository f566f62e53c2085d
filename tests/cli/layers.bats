#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The C tree forms layers: no two modules of lib/, agent/ or cli/ depend on
# each other, directly or round a loop (tools/check_layers.py: a module is
# a .c with its .h; it depends on what it includes and what it calls).
load ../helpers/common

@test "lib, agent and cli have no loop between modules" {
	run python3 "$TESTS_DIR/tools/check_layers.py" "$TESTS_DIR/../lib" "$TESTS_DIR/../agent" \
		"$TESTS_DIR/../cli"
	assert_status 0
	assert_output_matches "modules, [0-9]+ dependencies, no loop$"
}

@test "the checker finds a loop: a lower module including an upper one's header" {
	mkdir lib
	printf '#include "lib/health.h"\nint run_cmd(void) { return 0; }\n' >lib/run.c
	printf 'int run_cmd(void);\n' >lib/run.h
	printf 'int health_poll(void);\n' >lib/health.h
	printf '#include "lib/run.h"\nint health_poll(void) { return run_cmd(); }\n' >lib/health.c
	run python3 "$TESTS_DIR/tools/check_layers.py" lib
	assert_status 1
	assert_output_matches "^loop: lib/health -> lib/run, lib/run -> lib/health$"
}

@test "the checker finds a loop of calls alone, and counts a part file with its module" {
	mkdir agent
	printf 'void engine_go(void);\n' >agent/engine.h
	printf '#include "agent/engine.h"\nvoid engine_go(void) { }\n' >agent/engine.c
	printf '#include "agent/engine.h"\nvoid engine_more(void) { poll_go(); }\n' >agent/engine_step.c
	printf 'void poll_go(void) { engine_go(); }\n' >agent/poll.c
	run python3 "$TESTS_DIR/tools/check_layers.py" agent
	assert_status 1
	assert_output_matches "^loop: agent/engine -> agent/poll, agent/poll -> agent/engine$"
}
