/* SPDX-License-Identifier: MIT */
/*
 * Replays fuzz inputs through a target without libFuzzer, so `make check` can run every
 * corpus with any compiler: fuzz-<target> FILE|DIR... runs LLVMFuzzerTestOneInput once per
 * file (a directory's files in name order, so a failure is reproducible). A directory with no
 * file fails: an empty corpus would make the test pass while testing nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Targets without set-up state do not define it. */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long size;

	if (!f) {
		fprintf(stderr, "cannot open '%s': %s\n", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0) {
		fprintf(stderr, "cannot size '%s': %s\n", path, strerror(errno));
		fclose(f);
		return -1;
	}
	/* An exact-size copy: ASan then catches a target reading past its input. */
	buf = malloc(size ? (size_t)size : 1);
	if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "cannot read '%s'\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)size);
	free(buf);
	return 0;
}

static int cmp_names(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int skip_dots(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static int run_dir(const char *dir, unsigned *count)
{
	struct dirent **names;
	int n = scandir(dir, &names, skip_dots, cmp_names), r = 0;

	if (n < 0) {
		fprintf(stderr, "cannot list '%s': %s\n", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (r == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			r = run_file(path);
			(*count)++;
		}
		free(names[i]);
	}
	free(names);
	return r;
}

int main(int argc, char **argv)
{
	unsigned total = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		struct stat st;
		unsigned count = 0;

		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "cannot stat '%s': %s\n", argv[i], strerror(errno));
			return 1;
		}
		if (S_ISDIR(st.st_mode)) {
			if (run_dir(argv[i], &count) < 0)
				return 1;
			if (count == 0) {
				fprintf(stderr, "'%s' holds no input\n", argv[i]);
				return 1;
			}
		} else {
			if (run_file(argv[i]) < 0)
				return 1;
			count = 1;
		}
		total += count;
	}
	printf("%s: %u inputs replayed\n", argv[0], total);
	return 0;
}
