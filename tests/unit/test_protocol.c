/* The module <-> helper reply lines: both directions and hostile input. */
#include "autoconfig.h"

#include <string.h>

#include "pam_frontegg/protocol.h"
#include "testutil.h"

START_TEST(check_replies_round_trip)
{
	struct pf_check in = { .verdict = PF_VERDICT_HOST_LOCKED, .lock_until = 1700000600 }, out;
	char line[PF_REPLY_MAX];

	ck_assert_uint_gt(pf_reply_check_format(&in, line, sizeof(line)), 0);
	ck_assert_str_eq(line, "host-locked 1700000600\n");
	ck_assert_int_eq(pf_reply_check_parse(line, &out), PF_OK);
	ck_assert_int_eq(out.verdict, PF_VERDICT_HOST_LOCKED);
	ck_assert_int_eq(out.lock_until, 1700000600);
	for (int v = PF_VERDICT_ALLOW; v <= PF_VERDICT_ERROR; v++) {
		if (v == PF_VERDICT_HOST_LOCKED)
			continue;
		in.verdict = (enum pf_verdict)v;
		pf_reply_check_format(&in, line, sizeof(line));
		ck_assert_int_eq(pf_reply_check_parse(line, &out), PF_OK);
		ck_assert_int_eq(out.verdict, v);
	}
}
END_TEST

START_TEST(failure_replies_round_trip)
{
	struct pf_failure_result in = { PF_FAIL_COUNTED, 2, 0, false }, out;
	char line[PF_REPLY_MAX];

	pf_reply_failure_format(&in, line, sizeof(line));
	ck_assert_str_eq(line, "counted 2\n");
	ck_assert_int_eq(pf_reply_failure_parse(line, &out), PF_OK);
	ck_assert_uint_eq(out.recent_failures, 2);
	in = (struct pf_failure_result){ PF_FAIL_LOCKED_NOW, 3, 1700000600, true };
	pf_reply_failure_format(&in, line, sizeof(line));
	ck_assert_int_eq(pf_reply_failure_parse(line, &out), PF_OK);
	ck_assert_int_eq(out.outcome, PF_FAIL_LOCKED_NOW);
	ck_assert_int_eq(out.lock_until, 1700000600);
}
END_TEST

START_TEST(garbage_replies_refused)
{
	static const char *const bad[] = { "",
					   "\n",
					   "allow 5\n",
					   "allowed\n",
					   "host-locked\n",
					   "host-locked -1\n",
					   "host-locked 12x\n",
					   "allow\nallow\n",
					   "ALLOW\n",
					   "allow \n",
					   "cloud-locked\x1b[0m\n" };
	struct pf_check c;
	struct pf_failure_result r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(pf_reply_check_parse(bad[i], &c) == PF_ERR_CORRUPT, "accepted #%zu",
			      i);
	ck_assert_int_eq(pf_reply_failure_parse("counted\n", &r), PF_ERR_CORRUPT);
	ck_assert_int_eq(pf_reply_failure_parse("counted 99999\n", &r), PF_ERR_CORRUPT);
	ck_assert_int_eq(pf_reply_failure_parse("pwned 1\n", &r), PF_ERR_CORRUPT);
}
END_TEST

START_TEST(event_fields_are_sanitised)
{
	struct pf_auth_event ev = { "sshd", "evil\nhost name", "", 0 };
	struct pf_failure f;
	char buf[PF_EVENT_MAX];
	size_t n = pf_event_format(&ev, buf, sizeof(buf));

	ck_assert_uint_gt(n, 0);
	ck_assert_int_eq(pf_event_parse(buf, n, &f), PF_OK);
	ck_assert_str_eq(f.service, "sshd");
	ck_assert_str_eq(f.rhost, "evil?host?name");
	ck_assert_str_eq(f.tty, "-");
	ck_assert_int_eq(pf_event_parse("service=a\0b\n", 12, &f), PF_ERR_CORRUPT);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("protocol");
	TCase *tc = tcase_create("protocol");

	tcase_add_test(tc, check_replies_round_trip);
	tcase_add_test(tc, failure_replies_round_trip);
	tcase_add_test(tc, garbage_replies_refused);
	tcase_add_test(tc, event_fields_are_sanitised);
	suite_add_tcase(s, tc);
	return pf_test_run(s);
}
