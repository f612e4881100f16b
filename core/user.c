/* user.c: the user directory in SQLite: extensions and their secrets.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Passwords are never stored: only the digest HA1 values for the realm
 * (MD5 and SHA-256, RFC 8760) and a salted SHA-256 of the voicemail PIN.
 */
#include <ctype.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>
#include <re.h>
#include "core.h"


#define USER_COLS "SELECT ext, name, email, pin_hash, realm FROM users "

enum {
	PASSWORD_LEN = 12,
	SALT_LEN = 8,
};


bool pbx_user_ext_valid(const char *ext)
{
	size_t i, l;

	if (!ext)
		return false;

	/* no leading dot: an extension names files too (voicemail/EXT),
	 * so "..", "." and hidden names are refused */
	l = strlen(ext);
	if (!l || l > 32 || ext[0] == '.')
		return false;

	for (i = 0; i < l; i++) {
		unsigned char ch = (unsigned char)ext[i];

		if (!isalnum(ch) && ch != '.' && ch != '_' && ch != '-')
			return false;
	}

	return true;
}


/* A random password people can read out: no 0/O, 1/l/I. */
int pbx_user_password_gen(char *buf, size_t sz)
{
	static const char alphabet[] = "abcdefghijkmnopqrstuvwxyz"
				       "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	uint8_t rnd[PASSWORD_LEN];
	size_t i;

	if (!buf || sz < PASSWORD_LEN + 1)
		return EINVAL;

	rand_bytes(rnd, sizeof(rnd));
	for (i = 0; i < PASSWORD_LEN; i++)
		buf[i] = alphabet[rnd[i] % (sizeof(alphabet) - 1)];
	buf[PASSWORD_LEN] = '\0';

	return 0;
}


static int sha256_hex(char *hex, size_t sz, const char *a, const char *b)
{
	uint8_t md[32];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	if (!ctx || sz < 65) {
		EVP_MD_CTX_free(ctx);
		return ENOMEM;
	}

	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
	     EVP_DigestUpdate(ctx, a, strlen(a)) &&
	     EVP_DigestUpdate(ctx, b, strlen(b)) &&
	     EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return EIO;

	return re_snprintf(hex, sz, "%w", md, (size_t)mdlen) < 0 ? EIO : 0;
}


/* "salt$sha256(salt pin)" */
static int pin_hash(char *out, size_t sz, const char *pin)
{
	uint8_t salt[SALT_LEN];
	char salthex[2 * SALT_LEN + 1], h[65];
	int err;

	rand_bytes(salt, sizeof(salt));
	re_snprintf(salthex, sizeof(salthex), "%w", salt, sizeof(salt));
	err = sha256_hex(h, sizeof(h), salthex, pin);
	if (err)
		return err;

	return re_snprintf(out, sz, "%s$%s", salthex, h) < 0 ? EIO : 0;
}


bool pbx_user_pin_valid(const char *pin)
{
	size_t i, l = pin ? strlen(pin) : 0;

	if (l < 4 || l > 16)
		return false;
	for (i = 0; i < l; i++) {
		if (!isdigit((unsigned char)pin[i]))
			return false;
	}

	return true;
}


static int stmt_run(const char *sql, const char *const *argv, int argc,
		    int *changes)
{
	sqlite3_stmt *st;
	int i, rc;

	if (sqlite3_prepare_v2(pbx_db(), sql, -1, &st, NULL) != SQLITE_OK) {
		pbx_log(PBX_LOG_ERROR, "user: %s", sqlite3_errmsg(pbx_db()));
		return EIO;
	}

	for (i = 0; i < argc; i++)
		sqlite3_bind_text(st, i + 1, argv[i], -1, SQLITE_STATIC);

	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_CONSTRAINT)
		return EEXIST;
	if (rc != SQLITE_DONE) {
		pbx_log(PBX_LOG_ERROR, "user: %s", sqlite3_errmsg(pbx_db()));
		return EIO;
	}

	if (changes)
		*changes = sqlite3_changes(pbx_db());

	return 0;
}


static int ha1_pair(char *md5, char *sha, const char *ext,
		    const char *password)
{
	int err;

	err = pbx_digest_ha1(md5, PBX_DIGEST_HEX_MAX, PBX_DIGEST_MD5, ext,
			     pbx_domain(), password);
	if (!err)
		err = pbx_digest_ha1(sha, PBX_DIGEST_HEX_MAX,
				     PBX_DIGEST_SHA256, ext, pbx_domain(),
				     password);

	return err;
}


int pbx_user_add(const struct pbx_user_prm *prm)
{
	char md5[PBX_DIGEST_HEX_MAX], sha[PBX_DIGEST_HEX_MAX];
	char pin[128] = "", created[24];
	int err;

	if (!prm || !pbx_user_ext_valid(prm->ext) || !prm->password ||
	    !*prm->password)
		return EINVAL;
	if (prm->pin && !pbx_user_pin_valid(prm->pin))
		return EINVAL;

	err = ha1_pair(md5, sha, prm->ext, prm->password);
	if (!err && prm->pin)
		err = pin_hash(pin, sizeof(pin), prm->pin);
	if (err)
		return err;

	re_snprintf(created, sizeof(created), "%llu",
		    (unsigned long long)time(NULL));
	{
		const char *argv[] = {prm->ext, prm->name ? prm->name : "",
				      prm->email ? prm->email : "",
				      pbx_domain(), md5, sha, pin, created};

		err = stmt_run("INSERT INTO users (ext, name, email, realm, "
			       "ha1_md5, ha1_sha256, pin_hash, created) "
			       "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", argv, 8,
			       NULL);
	}
	if (err)
		return err;

	pbx_event_emitv("user", "action", "add", "ext", prm->ext, NULL);

	return 0;
}


int pbx_user_del(const char *ext)
{
	const char *argv[] = {ext};
	int n = 0, err;

	if (!ext)
		return EINVAL;

	err = stmt_run("DELETE FROM users WHERE ext = ?", argv, 1, &n);
	if (err)
		return err;
	if (!n)
		return ENOENT;

	pbx_location_remove_ext(ext);
	pbx_event_emitv("user", "action", "del", "ext", ext, NULL);

	return 0;
}


int pbx_user_passwd(const char *ext, const char *password)
{
	char md5[PBX_DIGEST_HEX_MAX], sha[PBX_DIGEST_HEX_MAX];
	int n = 0, err;

	if (!ext || !password || !*password)
		return EINVAL;

	err = ha1_pair(md5, sha, ext, password);
	if (err)
		return err;

	{
		const char *argv[] = {md5, sha, pbx_domain(), ext};

		err = stmt_run("UPDATE users SET ha1_md5 = ?, ha1_sha256 = ?,"
			       " realm = ? WHERE ext = ?", argv, 4, &n);
	}
	if (err)
		return err;

	return n ? 0 : ENOENT;
}


int pbx_user_set_pin(const char *ext, const char *pin)
{
	char h[128];
	int n = 0, err;

	if (!ext || !pbx_user_pin_valid(pin))
		return EINVAL;

	err = pin_hash(h, sizeof(h), pin);
	if (err)
		return err;

	{
		const char *argv[] = {h, ext};

		err = stmt_run("UPDATE users SET pin_hash = ? WHERE ext = ?",
			       argv, 2, &n);
	}
	if (err)
		return err;

	return n ? 0 : ENOENT;
}


/* One column of a user's row.  col is one of ours, never input. */
static int column_get(const char *ext, const char *col, char *buf,
		      size_t sz)
{
	sqlite3_stmt *st;
	char sql[128];
	int rc;

	re_snprintf(sql, sizeof(sql), "SELECT %s FROM users WHERE ext = ?",
		    col);
	st = pbx_db_stmt(sql);    /* REGISTER and INVITE: kept prepared */
	if (!st)
		return EIO;

	sqlite3_bind_text(st, 1, ext, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		str_ncpy(buf, (const char *)sqlite3_column_text(st, 0), sz);
	sqlite3_reset(st);

	if (rc == SQLITE_DONE)
		return ENOENT;

	return rc == SQLITE_ROW ? 0 : EIO;
}


bool pbx_user_pin_check(const char *ext, const char *pin)
{
	char stored[128], h[65];
	char *dollar;

	if (!ext || !pin || column_get(ext, "pin_hash", stored,
					  sizeof(stored)))
		return false;

	dollar = strchr(stored, '$');
	if (!dollar)
		return false;
	*dollar = '\0';

	if (sha256_hex(h, sizeof(h), stored, pin))
		return false;

	return strlen(h) == strlen(dollar + 1) &&
	       !CRYPTO_memcmp(h, dollar + 1, strlen(h));
}


int pbx_user_ha1(const char *ext, enum pbx_digest_alg alg, char *ha1,
		 size_t sz)
{
	if (!ext || !ha1)
		return EINVAL;

	return column_get(ext, alg == PBX_DIGEST_SHA256 ? "ha1_sha256" :
			  "ha1_md5", ha1, sz);
}


bool pbx_user_exists(const char *ext)
{
	char buf[40];

	return ext && !column_get(ext, "ext", buf, sizeof(buf));
}


static const char *col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s ? s : "";
}


static int row_odict(sqlite3_stmt *st, struct odict **odp)
{
	struct odict *o;
	int err;

	err = odict_alloc(&o, 8);
	if (err)
		return err;

	err = odict_entry_add(o, "ext", ODICT_STRING, col(st, 0));
	if (!err)
		err = odict_entry_add(o, "name", ODICT_STRING, col(st, 1));
	if (!err)
		err = odict_entry_add(o, "email", ODICT_STRING, col(st, 2));
	if (!err)
		err = odict_entry_add(o, "has_pin", ODICT_BOOL,
				      *col(st, 3) != '\0');
	if (!err)
		err = odict_entry_add(o, "realm", ODICT_STRING, col(st, 4));
	if (!err)
		err = odict_entry_add(o, "registrations", ODICT_INT,
				      (int64_t)pbx_location_count(col(st,
								      0)));
	if (err)
		mem_deref(o);
	else
		*odp = o;

	return err;
}


/* One user (ext != NULL) as an object, or all users as an array. */
int pbx_user_odict(const char *ext, struct odict **odp)
{
	struct odict *arr = NULL, *o = NULL;
	sqlite3_stmt *st;
	int rc, err = 0;

	if (!odp)
		return EINVAL;

	rc = sqlite3_prepare_v2(pbx_db(), ext ? USER_COLS "WHERE ext = ?" :
				USER_COLS "ORDER BY ext", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return EIO;
	if (ext)
		sqlite3_bind_text(st, 1, ext, -1, SQLITE_STATIC);
	else
		err = odict_alloc(&arr, 32);

	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		err = row_odict(st, &o);
		if (err || ext)
			break;
		err = pbx_odict_append(arr, o);
		o = mem_deref(o);
	}
	sqlite3_finalize(st);

	if (!err && ext && !o)
		err = ENOENT;
	if (err) {
		mem_deref(arr);
		mem_deref(o);
		return err;
	}

	*odp = ext ? o : arr;

	return 0;
}
