/*
 * Regression tests for defects the fuzz targets found (fuzz/README.md,
 * "Findings"). Each case names the target and the stored input under
 * fuzz/regressions/ that first showed it.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "pam_frontegg/state.h"
#include "pam_frontegg/usermap.h"
#include "testutil.h"

/*
 * fuzz_state, fuzz/regressions/fuzz_state/identity-dash-does-not-read-back:
 * the record writes "-" for an empty id or identity, and "-" was also a
 * valid id, so a user mapped to "-" (user_map_file line "alice -") was
 * stored as identity "-" and read back as no identity: the cached id and
 * the negative cache never matched again and every check went to Frontegg.
 */
START_TEST(dash_is_neither_id_nor_email)
{
	ck_assert_int_eq(pf_ident_classify("-"), PF_IDENT_NONE);
	/* Longer dash-only or dash-led ids are still ids: they read back fine. */
	ck_assert_int_eq(pf_ident_classify("--"), PF_IDENT_ID);
	ck_assert_int_eq(pf_ident_classify("-a"), PF_IDENT_ID);
}
END_TEST

START_TEST(map_line_with_dash_is_refused)
{
	static const char map[] = "alice -\nbob 00u1abcd\n";
	struct pf_test_log tl;
	struct pf_identity id;

	pf_test_log_init(&tl);
	ck_assert_int_eq(pf_map_lookup_text(map, strlen(map), "map", "alice", &id, &tl.logger),
			 PF_ERR_INVAL);
	ck_assert(pf_test_log_has(&tl, "neither an e-mail nor a Frontegg id"));
	ck_assert_int_eq(pf_map_lookup_text(map, strlen(map), "map", "bob", &id, &tl.logger),
			 PF_OK);
	ck_assert_int_eq(id.kind, PF_IDENT_ID);
}
END_TEST

/* Whatever lib/ accepts as an id or identity survives the state record. */
START_TEST(accepted_values_read_back)
{
	static const char *const values[] = { "-",     "--",      "-a",    "a-",
					      "0",     "a@b.c",   "-@b.c", "3fa85f64-5717",
					      "a@-.-", "x-y@z.w", "end",   "id" };
	char buf[PF_STATE_MAX_SIZE];

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		struct pf_user_state a, b;
		enum pf_ident_kind k = pf_ident_classify(values[i]);
		size_t n;

		memset(&a, 0, sizeof(a));
		if (k == PF_IDENT_ID)
			snprintf(a.frontegg_id, sizeof(a.frontegg_id), "%s", values[i]);
		if (k != PF_IDENT_NONE)
			snprintf(a.identity, sizeof(a.identity), "%s", values[i]);
		n = pf_state_format(&a, buf, sizeof(buf));
		ck_assert_uint_gt(n, 0);
		ck_assert_int_eq(pf_state_parse(buf, n, &b), PF_OK);
		ck_assert_msg(strcmp(a.frontegg_id, b.frontegg_id) == 0 &&
				  strcmp(a.identity, b.identity) == 0,
			      "\"%s\" did not read back", values[i]);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fuzz-regressions");
	TCase *tc = tcase_create("lib");

	tcase_add_test(tc, dash_is_neither_id_nor_email);
	tcase_add_test(tc, map_line_with_dash_is_refused);
	tcase_add_test(tc, accepted_values_read_back);
	suite_add_tcase(s, tc);
	return pf_test_run(s);
}
