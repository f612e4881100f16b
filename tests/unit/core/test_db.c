/* test_db.c: unit tests of the database schema and its migrations.
 * SPDX-License-Identifier: BSD-3-Clause
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <re.h>
#include "core.h"


static char path[64];


static int setup(void **state)
{
	(void)state;
	if (libre_init() || pbx_core_alloc())
		return -1;
	pbx_log_set_level(PBX_LOG_ERROR);
	snprintf(path, sizeof(path), "/tmp/pbxd-test-db-%d.db", getpid());

	return 0;
}


static int teardown(void **state)
{
	char p[80];
	(void)state;

	pbx_db_close();
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	pbx_core_free();
	libre_close();

	return 0;
}


static int version_of(const char *owner)
{
	sqlite3_stmt *st;
	int v = -1;

	assert_int_equal(sqlite3_prepare_v2(pbx_db(), "SELECT version FROM "
					    "schema_version WHERE owner = ?",
					    -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);

	return v;
}


static void test_open_creates_core_schema(void **state)
{
	(void)state;

	assert_int_equal(pbx_db_open(path), 0);
	assert_int_equal(version_of("core"), 2);
	assert_int_equal(pbx_db_exec("INSERT INTO kv (ns, key, value) "
				     "VALUES ('t', 'k', 'v')"), 0);
	pbx_db_close();

	/* reopening migrates nothing and keeps the data */
	assert_int_equal(pbx_db_open(path), 0);
	assert_int_equal(version_of("core"), 2);
	assert_int_equal(pbx_db_exec("INSERT INTO kv (ns, key, value) "
				     "VALUES ('t', 'k', 'again')"), EIO);
}


static void test_migrate_forward(void **state)
{
	static const char *const v1[] = {
		"CREATE TABLE m (a INTEGER)",
	};
	static const char *const v3[] = {
		"CREATE TABLE m (a INTEGER)",
		"ALTER TABLE m ADD COLUMN b TEXT",
		"CREATE INDEX m_b ON m (b)",
	};
	(void)state;

	assert_int_equal(pbx_db_migrate("mod", v1, 1), 0);
	assert_int_equal(version_of("mod"), 1);
	assert_int_equal(pbx_db_exec("INSERT INTO m (a) VALUES (1)"), 0);

	assert_int_equal(pbx_db_migrate("mod", v3, 3), 0);
	assert_int_equal(version_of("mod"), 3);
	assert_int_equal(pbx_db_exec("INSERT INTO m (a, b) VALUES (2, 'x')"),
			 0);

	/* a database newer than the code is refused, not damaged */
	assert_int_equal(pbx_db_migrate("mod", v1, 1), EPROTO);
	assert_int_equal(version_of("mod"), 3);
}


static void test_failed_step_rolls_back(void **state)
{
	static const char *const steps[] = {
		"CREATE TABLE r (a INTEGER)",
		"CREATE TABLE r2 (a INTEGER); THIS IS NOT SQL",
	};
	(void)state;

	assert_int_equal(pbx_db_migrate("bad", steps, 2), EIO);
	assert_int_equal(version_of("bad"), 1);
	/* r2 was created inside the failed step's transaction: gone */
	assert_int_equal(pbx_db_exec("CREATE TABLE r2 (a INTEGER)"), 0);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_creates_core_schema),
		cmocka_unit_test(test_migrate_forward),
		cmocka_unit_test(test_failed_step_rolls_back),
	};

	return cmocka_run_group_tests_name("db", tests, setup, teardown);
}
