/* SPDX-License-Identifier: Apache-2.0 */
/* test_state_machine.c - the engine's tables of lib/state.c, exhaustively:
 * every state x every state against the design's diagram, and what
 * recovery does with a run cut in each state. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "lib/state.h"

#define N_STATES 7

/* The diagram of state.h written out as pairs, independently of the
 * bit table it is checked against. */
static const struct {
	enum ota_state from, to;
} allowed[] = {
	{OTA_IDLE, OTA_VERIFYING},          {OTA_VERIFYING, OTA_STAGING},
	{OTA_STAGING, OTA_SWITCHING},       {OTA_SWITCHING, OTA_HEALTH_CHECK},
	{OTA_HEALTH_CHECK, OTA_PROMOTED},   {OTA_PROMOTED, OTA_IDLE},
	{OTA_VERIFYING, OTA_IDLE},          {OTA_STAGING, OTA_IDLE},
	{OTA_HEALTH_CHECK, OTA_ROLLING_BACK}, {OTA_ROLLING_BACK, OTA_IDLE},
	{OTA_SWITCHING, OTA_ROLLING_BACK},  {OTA_IDLE, OTA_ROLLING_BACK},
	{OTA_IDLE, OTA_SWITCHING},
};

static bool in_diagram(enum ota_state from, enum ota_state to)
{
	size_t i;

	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (allowed[i].from == from && allowed[i].to == to)
			return true;
	return false;
}

static void test_every_move_is_allowed_exactly_when_the_diagram_draws_it(void **state)
{
	int from, to;

	(void)state;
	for (from = 0; from < N_STATES; from++)
		for (to = 0; to < N_STATES; to++)
			if (ota_state_may_move(from, to) != in_diagram(from, to))
				fail_msg("%s -> %s: table says %d", ota_state_name(from),
					 ota_state_name(to), ota_state_may_move(from, to));
}

static void test_no_state_moves_to_itself(void **state)
{
	int s;

	(void)state;
	for (s = 0; s < N_STATES; s++)
		assert_false(ota_state_may_move(s, s));
}

static void test_promotion_is_reached_only_through_a_health_check(void **state)
{
	int from;

	(void)state;
	for (from = 0; from < N_STATES; from++)
		assert_int_equal(ota_state_may_move(from, OTA_PROMOTED), from == OTA_HEALTH_CHECK);
}

static void test_every_state_leads_back_to_idle(void **state)
{
	bool reach[N_STATES] = {false};
	int from, to, round;

	(void)state;
	/* Backwards from IDLE: a state reaches IDLE if one of its moves does. */
	reach[OTA_IDLE] = true;
	for (round = 0; round < N_STATES; round++)
		for (from = 0; from < N_STATES; from++)
			for (to = 0; to < N_STATES; to++)
				if (ota_state_may_move(from, to) && reach[to])
					reach[from] = true;
	for (from = 0; from < N_STATES; from++)
		if (!reach[from])
			fail_msg("%s never gets back to IDLE", ota_state_name(from));
}

static void test_unknown_states_never_move(void **state)
{
	(void)state;
	assert_false(ota_state_may_move((enum ota_state)N_STATES, OTA_IDLE));
	assert_false(ota_state_may_move(OTA_IDLE, (enum ota_state)N_STATES));
	assert_false(ota_state_may_move((enum ota_state)-1, OTA_IDLE));
	assert_false(ota_state_may_move(OTA_IDLE, (enum ota_state)63));
}

static void test_recovery_of_each_state(void **state)
{
	static const enum ota_recovery want[N_STATES] = {
		[OTA_IDLE] = OTA_RECOVER_NOTHING,
		[OTA_VERIFYING] = OTA_RECOVER_DISCARD,
		[OTA_STAGING] = OTA_RECOVER_DISCARD,
		[OTA_SWITCHING] = OTA_RECOVER_UNDO_SWITCH,
		[OTA_HEALTH_CHECK] = OTA_RECOVER_UNDO_SWITCH,
		[OTA_PROMOTED] = OTA_RECOVER_FINISH_PROMOTION,
		[OTA_ROLLING_BACK] = OTA_RECOVER_UNDO_SWITCH,
	};
	int s;

	(void)state;
	for (s = 0; s < N_STATES; s++)
		if (ota_state_recovery(s) != want[s])
			fail_msg("%s: recovery %d, want %d", ota_state_name(s),
				 ota_state_recovery(s), want[s]);
}

/* Each recovery ends IDLE by moves the table allows: discarding goes
 * straight to IDLE, undoing a switch through ROLLING_BACK, finishing a
 * promotion from PROMOTED. */
static void test_every_recovery_uses_allowed_moves(void **state)
{
	int s;

	(void)state;
	for (s = 0; s < N_STATES; s++) {
		switch (ota_state_recovery(s)) {
		case OTA_RECOVER_NOTHING:
			assert_int_equal(s, OTA_IDLE);
			break;
		case OTA_RECOVER_DISCARD:
			assert_true(ota_state_may_move(s, OTA_IDLE));
			break;
		case OTA_RECOVER_UNDO_SWITCH:
			assert_true(s == OTA_ROLLING_BACK || ota_state_may_move(s, OTA_ROLLING_BACK));
			assert_true(ota_state_may_move(OTA_ROLLING_BACK, OTA_IDLE));
			break;
		case OTA_RECOVER_FINISH_PROMOTION:
			assert_true(ota_state_may_move(s, OTA_IDLE));
			break;
		}
	}
}

static void test_state_names_round_trip(void **state)
{
	int s;

	(void)state;
	for (s = 0; s < N_STATES; s++)
		assert_int_equal(ota_state_parse(ota_state_name(s)), s);
	assert_int_equal(ota_state_parse("idle"), -1);
	assert_int_equal(ota_state_parse(""), -1);
	assert_string_equal(ota_state_name((enum ota_state)N_STATES), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_move_is_allowed_exactly_when_the_diagram_draws_it),
		cmocka_unit_test(test_no_state_moves_to_itself),
		cmocka_unit_test(test_promotion_is_reached_only_through_a_health_check),
		cmocka_unit_test(test_every_state_leads_back_to_idle),
		cmocka_unit_test(test_unknown_states_never_move),
		cmocka_unit_test(test_recovery_of_each_state),
		cmocka_unit_test(test_every_recovery_uses_allowed_moves),
		cmocka_unit_test(test_state_names_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
