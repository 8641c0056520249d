/* RFC 3339 parsing without the C library's time-zone machinery. */
#include "autoconfig.h"

#include <stddef.h>

#include "rfc3339.h"

/* Reads exactly n digits at *p; false when any is not a digit. */
static bool digits(const char **p, unsigned n, unsigned *out)
{
	unsigned v = 0;

	for (unsigned i = 0; i < n; i++) {
		char ch = (*p)[i];
		if (ch < '0' || ch > '9')
			return false;
		v = v * 10 + (unsigned)(ch - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static bool expect(const char **p, char a, char b)
{
	if (**p != a && **p != b)
		return false;
	(*p)++;
	return true;
}

static bool leap_year(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
	static const unsigned char dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && leap_year(y) ? 29 : dim[m - 1];
}

/* Howard Hinnant's days_from_civil: exact for every Gregorian date. */
int64_t fg_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (int64_t)(m > 2 ? m - 3 : m + 9) + 2) / 5 + (int64_t)d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* ".123456" -> 123 ms; at least one digit, at most nine. */
static bool fraction(const char **p, unsigned *ms)
{
	unsigned n = 0, v = 0;

	if (**p != '.')
		return true;
	(*p)++;
	for (; (*p)[0] >= '0' && (*p)[0] <= '9'; (*p)++, n++) {
		if (n < 3)
			v = v * 10 + (unsigned)((*p)[0] - '0');
	}
	if (n == 0 || n > 9)
		return false;
	for (unsigned i = n; i < 3; i++)
		v *= 10;
	*ms = v;
	return true;
}

/* "Z" or "+hh:mm" / "-hh:mm" -> offset east of UTC in minutes. */
static bool offset(const char **p, int *minutes)
{
	unsigned hh, mm;
	int sign;

	if (**p == 'Z' || **p == 'z') {
		(*p)++;
		*minutes = 0;
		return true;
	}
	if (**p != '+' && **p != '-')
		return false;
	sign = **p == '-' ? -1 : 1;
	(*p)++;
	if (!digits(p, 2, &hh) || !expect(p, ':', ':') || !digits(p, 2, &mm) || hh > 23 || mm > 59)
		return false;
	*minutes = sign * (int)(hh * 60 + mm);
	return true;
}

bool fg_rfc3339_parse(const char *s, int64_t *epoch_ms)
{
	unsigned y, mo, d, h, mi, sec, ms = 0;
	const char *p = s;
	int off;
	int64_t secs;

	if (s == NULL)
		return false;
	if (!digits(&p, 4, &y) || !expect(&p, '-', '-') || !digits(&p, 2, &mo) ||
	    !expect(&p, '-', '-') || !digits(&p, 2, &d) || !expect(&p, 'T', 't') ||
	    !digits(&p, 2, &h) || !expect(&p, ':', ':') || !digits(&p, 2, &mi) ||
	    !expect(&p, ':', ':') || !digits(&p, 2, &sec) || !fraction(&p, &ms) ||
	    !offset(&p, &off) || *p != '\0')
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60)
		return false;
	secs = fg_days_from_civil((int64_t)y, mo, d) * 86400 + (int64_t)h * 3600 +
	       (int64_t)mi * 60 + (int64_t)sec - (int64_t)off * 60;
	*epoch_ms = secs * 1000 + (int64_t)ms;
	return true;
}
