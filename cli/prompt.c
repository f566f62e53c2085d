/* SPDX-License-Identifier: Apache-2.0 */
/* prompt.c - where the tools' passphrases come from: the first line of a
 * --passphrase-file, a --passphrase-env variable, or the terminal without
 * echo. */
#include <errno.h>
#include <openssl/crypto.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lib/buf.h"
#include "lib/keys.h"
#include "lib/pkcs11.h"

static const int fatal_sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
#define N_SIGS (sizeof(fatal_sigs) / sizeof(fatal_sigs[0]))

static volatile sig_atomic_t caught;

static void on_signal(int sig)
{
	caught = sig;
}

/* Read one line from stdin with echo off into buf (NUL-terminated).  The
 * prompt follows the flush of type-ahead, so nothing typed before it is
 * taken.  A fatal signal restores the terminal first, then is re-raised. */
static int read_hidden(const char *prompt, char *buf, size_t size, struct ota_err *err)
{
	struct sigaction sa, old_sa[N_SIGS];
	struct termios old, quiet;
	size_t len = 0, i;
	ssize_t n;
	int rc = 0;

	if (tcgetattr(STDIN_FILENO, &old))
		return ota_err_errno(err, OTA_EIO, errno, "stdin: not a terminal");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: read() must return */
	sigemptyset(&sa.sa_mask);
	caught = 0;
	for (i = 0; i < N_SIGS; i++)
		sigaction(fatal_sigs[i], &sa, &old_sa[i]);
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK);
	quiet.c_lflag |= ECHONL;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet))
		rc = ota_err_errno(err, OTA_EIO, errno, "stdin: cannot turn echo off");
	else
		fputs(prompt, stderr);
	while (rc == 0 && (n = read(STDIN_FILENO, buf + len, 1)) != 0) {
		if (n < 0 && errno == EINTR && !caught)
			continue;
		if (n < 0)
			rc = ota_err_errno(err, OTA_EIO, errno, "stdin");
		else if (buf[len] == '\n')
			break;
		else if (++len >= size)
			rc = ota_err_set(err, OTA_EUSAGE, "passphrase longer than %zu bytes",
					 size - 1);
	}
	buf[len < size ? len : size - 1] = '\0';
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	for (i = 0; i < N_SIGS; i++)
		sigaction(fatal_sigs[i], &old_sa[i], NULL);
	if (caught) {
		OPENSSL_cleanse(buf, size);
		raise(caught);
		rc = ota_err_set(err, OTA_EUSAGE, "interrupted");
	}
	return rc;
}

int ota_cli_prompt_new_passphrase(char **out, struct ota_err *err)
{
	char a[OTA_PASSPHRASE_MAX + 1], b[OTA_PASSPHRASE_MAX + 1];
	int rc;

	*out = NULL;
	rc = read_hidden("New passphrase: ", a, sizeof(a), err);
	if (rc == 0)
		rc = read_hidden("Repeat passphrase: ", b, sizeof(b), err);
	if (rc == 0 && strcmp(a, b) != 0)
		rc = ota_err_set(err, OTA_EUSAGE, "passphrases do not match");
	else if (rc == 0 && a[0] == '\0')
		rc = ota_err_set(err, OTA_EUSAGE,
				 "empty passphrase (use --no-passphrase for a key without one)");
	else if (rc == 0 && !(*out = strdup(a)))
		rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
	OPENSSL_cleanse(a, sizeof(a));
	OPENSSL_cleanse(b, sizeof(b));
	return rc;
}

/* An encrypted key asks for a passphrase; the PEM label says so without
 * decrypting anything.  A plain key's bytes are wiped all the same. */
static bool is_encrypted(const char *path)
{
	struct ota_buf b;
	bool yes;

	ota_buf_init(&b, OTA_KEY_FILE_MAX);
	yes = ota_buf_read_file(&b, path, NULL) == 0 &&
	      strstr((const char *)b.data, "-----BEGIN ENCRYPTED PRIVATE KEY-----");
	ota_buf_cleanse(&b);
	return yes;
}

bool ota_cli_pass_option(struct ota_cli_pass *p, int c, const char *arg)
{
	switch (c) {
	case OTA_CLI_OPT_PASS_FILE: p->file = arg; return true;
	case OTA_CLI_OPT_PASS_ENV: p->env = arg; return true;
	case OTA_CLI_OPT_NO_PASS: p->none = true; return true;
	}
	return false;
}

int ota_cli_pass_check(const struct ota_cli_pass *p, const char *cmd, const char *what,
		       bool writing)
{
	const char *sep = *cmd ? ": " : "";

	if ((p->file != NULL) + (p->env != NULL) + p->none > 1)
		return ota_cli_usage("%s%s--%spassphrase-file, --%spassphrase-env and "
				     "--no-passphrase exclude each other", cmd, sep, what, what);
	/* Never ask a pipe for a secret, and never fall back to no passphrase. */
	if (writing && !p->file && !p->env && !p->none && !isatty(STDIN_FILENO))
		return ota_cli_usage("%s%sstdin is not a terminal: give --%spassphrase-file F, "
				     "--%spassphrase-env NAME or --no-passphrase", cmd, sep, what,
				     what);
	return 0;
}

static int from_env(const char *name, char **out, struct ota_err *err)
{
	const char *v = getenv(name);
	size_t len;

	if (!v)
		return ota_err_set(err, OTA_EUSAGE,
				   "passphrase: environment variable %s is not set", name);
	len = strlen(v);
	if (len == 0)
		return ota_err_set(err, OTA_EKEY, "$%s: empty passphrase", name);
	if (len > OTA_PASSPHRASE_MAX)
		return ota_err_set(err, OTA_EKEY, "$%s: passphrase longer than %d bytes", name,
				   OTA_PASSPHRASE_MAX);
	if (!(*out = strdup(v)))
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	return 0;
}

int ota_cli_passphrase(const struct ota_cli_pass *p, char **out, struct ota_err *err)
{
	*out = NULL;
	if (p && p->file)
		return ota_passphrase_read_file(p->file, out, err);
	if (p && p->env)
		return from_env(p->env, out, err);
	return 0;
}

int ota_cli_new_passphrase(const struct ota_cli_pass *p, char **out, struct ota_err *err)
{
	*out = NULL;
	if (p->none)
		return 0;
	if (p->file || p->env)
		return ota_cli_passphrase(p, out, err);
	return ota_cli_prompt_new_passphrase(out, err);
}

int ota_cli_token_pin(const char *uri, const struct ota_cli_pass *p, char **out,
		      struct ota_err *err)
{
	char buf[OTA_PASSPHRASE_MAX + 1];
	bool needs = false;
	int rc = ota_cli_passphrase(p, out, err);

	if (rc == 0 && !*out && isatty(STDIN_FILENO) &&
	    (rc = ota_pkcs11_needs_pin(uri, &needs, err)) == 0 && needs) {
		rc = read_hidden("Token PIN: ", buf, sizeof(buf), err);
		if (rc == 0 && !(*out = strdup(buf)))
			rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
		OPENSSL_cleanse(buf, sizeof(buf));
	}
	return rc;
}

/* A key on a PKCS#11 token: its PIN comes the way a passphrase does. */
static int load_token_key(const char *uri, const struct ota_cli_pass *p, EVP_PKEY **out,
			  struct ota_err *err)
{
	char *pin = NULL;
	int rc = ota_cli_token_pin(uri, p, &pin, err);

	if (rc == 0)
		rc = ota_pkcs11_load_key(uri, pin, out, err);
	ota_passphrase_free(pin);
	return rc;
}

int ota_cli_load_private_key(const char *path, const struct ota_cli_pass *p, EVP_PKEY **out,
			     struct ota_err *err)
{
	char buf[OTA_PASSPHRASE_MAX + 1];
	char *pass = NULL;
	int rc;

	*out = NULL;
	if (ota_pkcs11_is_uri(path))
		return load_token_key(path, p, out, err);
	rc = ota_cli_passphrase(p, &pass, err);
	if (rc == 0 && !pass && isatty(STDIN_FILENO) && is_encrypted(path)) {
		rc = read_hidden("Passphrase: ", buf, sizeof(buf), err);
		if (rc == 0 && !(pass = strdup(buf)))
			rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
		OPENSSL_cleanse(buf, sizeof(buf));
	}
	if (rc == 0)
		rc = ota_privkey_load(path, pass, out, err);
	if (rc == OTA_EKEY && !pass && err && strstr(err->msg, "passphrase required"))
		ota_err_set(err, rc, "%s: key is encrypted: passphrase required (--passphrase-file "
			    "F or --passphrase-env NAME, or a terminal)", path);
	ota_passphrase_free(pass);
	return rc;
}
