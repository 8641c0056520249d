/*
 * RFC 3339 timestamps ("2026-11-25T21:40:07Z", "...07.25+02:00") to Unix
 * epoch milliseconds. The civil date is converted arithmetically: no mktime,
 * no TZ, so the process time zone can never shift a rate-limit reset.
 */
#ifndef PF_FG_RFC3339_H
#define PF_FG_RFC3339_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Parses the whole string s (no leading or trailing text). Fractions beyond
 * milliseconds are truncated; a leap second (:60) counts as the next second.
 * Returns false for anything that is not a valid RFC 3339 date-time.
 */
bool fg_rfc3339_parse(const char *s, int64_t *epoch_ms);

/* Days from 1970-01-01 to the proleptic Gregorian date y-m-d (m 1..12). */
int64_t fg_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
