# helper/frontegg/: the Frontegg REST client (libcurl + cJSON), a libtool
# convenience library linked into frontegg-lockout and the client tests.
# Other code includes it as "frontegg/frontegg.h" with -I$(top_srcdir)/helper.
noinst_LTLIBRARIES += helper/frontegg/libpffrontegg.la
helper_frontegg_libpffrontegg_la_SOURCES = \
	helper/frontegg/client.c \
	helper/frontegg/client_internal.h \
	helper/frontegg/frontegg.h \
	helper/frontegg/http.c \
	helper/frontegg/http.h \
	helper/frontegg/json.c \
	helper/frontegg/json.h \
	helper/frontegg/rate_memory.c \
	helper/frontegg/rate_memory.h \
	helper/frontegg/request.c \
	helper/frontegg/request.h \
	helper/frontegg/retry.c \
	helper/frontegg/retry.h \
	helper/frontegg/rfc3339.c \
	helper/frontegg/rfc3339.h \
	helper/frontegg/token.c \
	helper/frontegg/token.h \
	helper/frontegg/token_cache.c \
	helper/frontegg/token_cache.h \
	helper/frontegg/url.c \
	helper/frontegg/url.h
helper_frontegg_libpffrontegg_la_CPPFLAGS = $(AM_CPPFLAGS) $(CURL_CFLAGS) $(CJSON_CFLAGS)
helper_frontegg_libpffrontegg_la_LIBADD = $(CURL_LIBS) $(CJSON_LIBS)
