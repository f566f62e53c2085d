/* SPDX-License-Identifier: Apache-2.0 */
/* fsutil.h - the file system steps that make writes atomic and durable:
 * temp file beside the target, fsync, rename, fsync of the directory
 * (systemd's write_string_file_atomic pattern), and tree removal. */
#ifndef OTA_FSUTIL_H
#define OTA_FSUTIL_H

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "lib/err.h"

/* A file being written under a temporary name beside its final path. */
struct ota_atomic {
	int fd;          /* -1 when closed */
	char *path;      /* owned: final path */
	char *tmp_path;  /* owned: temporary path, removed unless committed */
};

/* Create "<path>.tmp-XXXXXX" with mode (0600 while being written). */
int ota_atomic_open(struct ota_atomic *t, const char *path, mode_t mode, struct ota_err *err);
/* fsync, close, rename over path (refusing an existing path with
 * OTA_EEXIST unless overwrite), fsync the directory. */
int ota_atomic_commit(struct ota_atomic *t, bool overwrite, struct ota_err *err);
/* Close and remove the temporary file if still there; safe to call twice. */
void ota_atomic_abort(struct ota_atomic *t);

/* data, 0644, to path through a temporary file: open, write, commit (over
 * an existing path only if overwrite), or nothing left behind. */
int ota_write_file_atomic(const char *path, const void *data, size_t len, bool overwrite,
			  struct ota_err *err);

/* Write all of buf to fd (retrying short writes); name is for errors.
 * OTA_ENOSPC when the disk, a quota or the file size limit is full, else
 * OTA_EIO. */
int ota_write_all(int fd, const void *buf, size_t len, const char *name, struct ota_err *err);

/* fsync the directory that holds path (or path itself if dir_itself). */
int ota_fsync_dir(const char *path, bool dir_itself, struct ota_err *err);

/* Remove path and everything under it, never following links.  Returns 0
 * when path is gone (or never existed). */
int ota_rm_tree(const char *path, struct ota_err *err);

/* mkdir -p: make path and its missing parents with mode. */
int ota_mkdir_p(const char *path, mode_t mode, struct ota_err *err);

/* Open path (relative to dirfd, or AT_FDCWD) for reading, refusing
 * anything but a regular file without blocking: opened O_NONBLOCK (a FIFO
 * or a device never hangs the open), fstat'ed, refused unless regular
 * (OTA_EIO, "is a directory" or "not a regular file"), then made blocking
 * again.  flags adds to O_RDONLY | O_CLOEXEC (O_NOFOLLOW: a symbolic link
 * is refused, "not followed"; O_NOATIME).  name (NULL: path) is what
 * the one-line reason calls the file.  st (may be NULL) gets the
 * fstat.  Returns the descriptor, owned by the caller, or a negative
 * code.  Every file the tools read goes through here. */
int ota_open_regular(int dirfd, const char *path, int flags, const char *name,
		     struct stat *st, struct ota_err *err);
/* A flag of ota_open_regular alone (no open(2) flag has this bit): a pipe
 * is accepted too, for what a person names on the command line as
 * <(...) (a passphrase file).  Opened O_NONBLOCK it never blocks, and a
 * pipe no one writes to reads as empty. */
#define OTA_OPEN_PIPE_OK 0x40000000

/* 0 if path is a directory itself, not a symbolic link to one (the
 * agent's state_dir, manifests/ and releases/); OTA_EIO otherwise. */
int ota_check_real_dir(const char *path, struct ota_err *err);

/* The one rule for an output file, checked before any work: 0 when
 * nothing is at path, or a file is and force; OTA_EEXIST for a file
 * without force ("exists (use --force to replace it)") and for a
 * directory, with or without force ("is a directory"). */
int ota_check_output(const char *path, bool force, struct ota_err *err);

/* 0 if nothing exists at path, OTA_EEXIST if something does. */
int ota_check_absent(const char *path, struct ota_err *err);

#endif
