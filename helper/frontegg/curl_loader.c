/* libcurl through dlopen: see curl_loader.h for why. */
#include "autoconfig.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "curl_loader.h"
#include "frontegg.h"

/* configure finds the soname; tests may build the loader with another. */
#ifndef FG_CURL_SONAME
#define FG_CURL_SONAME PF_CURL_SONAME
#endif

struct symbol {
	size_t offset; /* of the function pointer in struct fg_curl */
	const char *name;
};

#define SYMBOL(field, name)                                                                        \
	{                                                                                          \
		offsetof(struct fg_curl, field), name                                              \
	}

static const struct symbol symbols[] = {
	SYMBOL(global_init, "curl_global_init"),   SYMBOL(global_cleanup, "curl_global_cleanup"),
	SYMBOL(easy_init, "curl_easy_init"),       SYMBOL(easy_setopt, "curl_easy_setopt"),
	SYMBOL(easy_perform, "curl_easy_perform"), SYMBOL(easy_getinfo, "curl_easy_getinfo"),
	SYMBOL(easy_cleanup, "curl_easy_cleanup"), SYMBOL(easy_strerror, "curl_easy_strerror"),
	SYMBOL(version_info, "curl_version_info"),
};

static struct fg_curl api;
static bool loaded;

/* POSIX guarantees a function pointer fits in the void * dlsym returns. */
_Static_assert(sizeof(void *) == sizeof(api.easy_init), "function pointers are not void *");

static bool resolve(void *lib)
{
	for (size_t i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++) {
		void *fn = dlsym(lib, symbols[i].name);
		if (fn == NULL)
			return false;
		memcpy((char *)&api + symbols[i].offset, &fn, sizeof(fn));
	}
	return true;
}

static bool recent_enough(char *err, size_t err_size)
{
	const curl_version_info_data *v = api.version_info(CURLVERSION_NOW);

	if (v != NULL && v->version_num >= FG_CURL_MIN_VERSION)
		return true;
	snprintf(err, err_size, "cannot load %s: version %s, %d.%d.%d or later is needed",
		 FG_CURL_SONAME, v != NULL && v->version != NULL ? v->version : "unknown",
		 FG_CURL_MIN_VERSION >> 16, (FG_CURL_MIN_VERSION >> 8) & 0xff,
		 FG_CURL_MIN_VERSION & 0xff);
	return false;
}

const struct fg_curl *fg_curl_load(char *err, size_t err_size)
{
	void *lib;

	if (loaded)
		return &api;
	/*
	 * By soname only, never a path from the configuration or the
	 * environment. Installed setgid, the helper runs with AT_SECURE, so
	 * the dynamic linker ignores LD_LIBRARY_PATH here too: only the
	 * system's library directories are searched.
	 */
	dlerror();
	lib = dlopen(FG_CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL || !resolve(lib)) {
		const char *why = dlerror();
		snprintf(err, err_size, "cannot load %s: %s", FG_CURL_SONAME,
			 why != NULL ? why : "unknown error");
		/* Nothing of it ran yet, so it can go. */
		if (lib != NULL)
			dlclose(lib);
		return NULL;
	}
	if (!recent_enough(err, err_size))
		return NULL; /* kept: curl_version_info may have started its TLS library */
	/* Never unloaded: the TLS library under libcurl does not support that. */
	loaded = true;
	return &api;
}

const struct fg_curl *fg_curl(void)
{
	return loaded ? &api : NULL;
}

bool fg_load_libcurl(char *what, size_t size)
{
	const struct fg_curl *c = fg_curl_load(what, size);

	if (c != NULL)
		snprintf(what, size, "%s (libcurl %s)", FG_CURL_SONAME,
			 c->version_info(CURLVERSION_NOW)->version);
	return c != NULL;
}

/* The typed setters: the variadic call gets exactly the type libcurl reads. */

CURLcode fg_curl_setopt_long(CURL *curl, CURLoption option, long value)
{
	return api.easy_setopt(curl, option, value);
}

CURLcode fg_curl_setopt_off(CURL *curl, CURLoption option, curl_off_t value)
{
	return api.easy_setopt(curl, option, value);
}

CURLcode fg_curl_setopt_str(CURL *curl, CURLoption option, const char *value)
{
	return api.easy_setopt(curl, option, value);
}

CURLcode fg_curl_setopt_ptr(CURL *curl, CURLoption option, void *value)
{
	return api.easy_setopt(curl, option, value);
}

CURLcode fg_curl_setopt_slist(CURL *curl, CURLoption option, struct curl_slist *value)
{
	return api.easy_setopt(curl, option, value);
}

CURLcode fg_curl_setopt_write_cb(CURL *curl, CURLoption option, curl_write_callback value)
{
	return api.easy_setopt(curl, option, value);
}

CURLcode fg_curl_getinfo_long(CURL *curl, CURLINFO info, long *value)
{
	return api.easy_getinfo(curl, info, value);
}
