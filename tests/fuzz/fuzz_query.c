/*
 * fuzz_query.c — libFuzzer target for the whole query path, differential:
 * the exhaustive evaluation is the oracle of the pruned one.
 *
 *   tests/fuzz/run.sh 60 query      (builds it with tests/fuzz/fuzz.mk)
 *
 * Once per process (LLVMFuzzerInitialize) it indexes the few dozen short
 * Japanese documents below, through the public API only (include/sagasu.h),
 * into two indexes in a temporary directory:
 *   - "sub":   substring grams (the default), 2 postings a block;
 *   - "nosub": --no-substring, 3 postings a block.
 * Both are written in several batches, so that terms have chains of
 * termids (docs/FORMAT.md), and then lose a few documents to deletions and
 * replacements, so that block bounds (max_tf, min_dl) are loose and dead
 * postings must be skipped: where pruning can go wrong.
 *
 * Input layout:
 *   byte 0   k: 1 + byte % 16, or 64 when byte >= 0xF0
 *   byte 1   k1: the default below 0x10, else (byte % 64) / 16 (0..3.94)
 *   byte 2   b: the default below 0x10, else (byte % 101) / 100 (0..1)
 *   byte 3   bits 0..2: prefix cap (0 = the default 128); bit 6: snippets
 *            of 40 characters; bit 7: --explain
 *   then     the query text (at most QUERY_MAX bytes are used)
 *
 * Each input runs as a query on both indexes, in keyword mode and in
 * natural-language mode (--or), once pruned and once exhaustively. Both
 * must agree on the return code; when it is SG_OK, on the hits (the same
 * docids in the same order, scores within 1e-6 relative: what
 * `sagasu bench --verify` compares) and on the total (the pruned total
 * equals the exhaustive one, or is at most it when reported as a lower
 * bound; the exhaustive total is exact unless a prefix was cut at the
 * prefix cap). A syntax error, a query too big or one with no positive word is
 * a fine answer; any other error (corruption, out of memory, I/O) on this
 * sound index is a bug. A broken rule prints the query and traps.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sagasu.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define QUERY_MAX 512
#define HEADER 4

/* Titles and bodies: overlapping vocabulary (東京, 京都, 東京都, クラスター,
 * サーバー...), words repeated to give tfs above 1, lengths from a few
 * tokens to a few dozen so that dl matters, katakana compounds that MeCab
 * keeps whole (substring-only matches), ASCII, digits and symbols. */
static const char *const docs[][2] = {
	{ "東京の天気", "東京は晴れ。東京タワーから富士山が見えた。" },
	{ "京都観光", "京都の寺を巡る。京都駅から嵐山へ。" },
	{ "東京都の人口", "東京都の人口は増えている。東京都庁で発表。" },
	{ "サーバーの設定", "サーバーの設定ファイルを編集する。設定を保存。" },
	{ "クラスター", "コロナクラスターが発生した。クラスター対策。" },
	{ "計算機クラスター", "計算機クラスターでジョブを実行する。" },
	{ "大阪の食べ物", "大阪はたこ焼きとお好み焼き。大阪城も有名。" },
	{ "検索エンジン", "全文検索エンジンは転置索引を使う。検索は速い。" },
	{ "検索の仕組み", "検索語を形態素に分ける。検索結果を並べる。" },
	{ "データベース", "LMDBはキーと値のデータベース。B木で保存する。" },
	{ "東京 大阪 京都", "東京から大阪へ、大阪から京都へ移動した。" },
	{ "富士山", "富士山に登る。山頂は寒い。富士山、富士山。" },
	{ "プログラミング", "C言語でプログラムを書く。コンパイルして実行。" },
	{ "ファイル", "ファイルを開いて読む。ファイルを閉じる。" },
	{ "設定ファイル", "設定ファイルの書き方。サーバー設定の例。" },
	{ "ニュース", "今日のニュース。東京で会議、京都で祭り。" },
	{ "天気予報", "明日は雨。東京も大阪も雨。傘を持って行く。" },
	{ "タワー", "東京タワーとスカイツリー。タワーに登った。" },
	{ "日本語", "日本語の文章を形態素解析する。MeCabを使う。" },
	{ "形態素解析", "形態素解析器は辞書を引く。解析、解析、解析。" },
	{ "猫", "猫が好き。猫と犬。" },
	{ "犬", "犬の散歩。犬が走る。犬、犬、犬。" },
	{ "猫と犬", "猫も犬も家族。" },
	{ "料理", "カレーを作る。玉ねぎを炒める。カレーライス。" },
	{ "カレー", "カレーうどんとカレーパン。" },
	{ "2024年", "2024-01-01に始まった。2024年の計画。" },
	{ "English", "search engine index search query" },
	{ "混在", "Linuxのサーバーでsagasuを動かす。" },
	{ "長い文書",
	  "これは長い文書である。東京、京都、大阪、名古屋、福岡、札幌、仙台、"
	  "広島を旅した。各地で料理を食べ、天気を調べ、ニュースを読み、"
	  "ファイルを整理し、サーバーを設定した。検索も使った。" },
	{ "短い", "短い。" },
	{ "記号", "「括弧」と（丸括弧）と＊印。" },
	{ "東京", "東京" },
	{ "京", "京" },
	{ "各項", "各項目を確認する。工場の各項目。" },
	{ "工場", "工場で部品を作る。工場見学。" },
	{ "クラスタ", "クラスタとクラスターの表記ゆれ。" },
	{ "ＯＲ", "ＯＲとORとor。" },
	{ "空白", "全角　空白と半角 空白。" },
	{ "索引", "転置索引、索引語、索引の圧縮。" },
	{ "圧縮", "zstdで圧縮する。圧縮率。圧縮、展開。" },
};
#define N_DOCS (sizeof(docs) / sizeof(docs[0]))

/* After the batches: these ids are deleted, these replaced. */
static const int deleted[] = { 3, 11, 21 };
static const int replaced[] = { 0, 7 };

struct kind {
	const char *name;
	int no_substring;
	uint32_t block_size;
	sg_index *idx;
	sg_searcher *s;
};

static struct kind kinds[] = {
	{ "sub", 0, 2, NULL, NULL },
	{ "nosub", 1, 3, NULL, NULL },
};
#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))

static char tmpdir[] = "/tmp/sagasu-fuzz-query-XXXXXX";

static void die(const char *what, const sg_error *err)
{
	fprintf(stderr, "fuzz_query: %s: %s\n", what, err ? err->msg : "");
	abort();
}

static void make_doc(sg_doc *d, sg_slice *texts, char *id, size_t id_cap,
		     int i, const char *title, const char *body)
{
	snprintf(id, id_cap, "doc%02d", i);
	d->id.ptr = id;
	d->id.len = strlen(id);
	d->title.ptr = title;
	d->title.len = strlen(title);
	texts[0] = d->title;
	texts[1].ptr = body;
	texts[1].len = strlen(body);
	d->texts = texts;
	d->n_texts = 2;
	d->stored.ptr = "";
	d->stored.len = 0;
}

static void build(struct kind *kd)
{
	sg_index_options io = SG_INDEX_OPTIONS_INIT;
	sg_writer_options wo = SG_WRITER_OPTIONS_INIT;
	sg_error err = SG_ERROR_INIT;
	sg_writer *w;
	char dir[sizeof(tmpdir) + 16], id[16];
	sg_slice texts[2];
	sg_doc d;
	size_t i;

	snprintf(dir, sizeof(dir), "%s/%s", tmpdir, kd->name);
	io.create = 1;
	io.block_size = kd->block_size;
	io.no_substring = kd->no_substring;
	if (sg_index_open(dir, &io, &kd->idx, &err) != SG_OK)
		die("creating an index", &err);
	wo.threads = 1;
	if (sg_writer_open(kd->idx, &wo, &w, &err) != SG_OK)
		die("opening a writer", &err);
	for (i = 0; i < N_DOCS; i++) {
		make_doc(&d, texts, id, sizeof(id), (int)i, docs[i][0],
			 docs[i][1]);
		if (sg_writer_add(w, &d, &err) != SG_OK)
			die("adding a document", &err);
		/* Batches of 7: every frequent term gets a chain. */
		if (i % 7 == 6 && sg_writer_commit(w, &err) != SG_OK)
			die("committing", &err);
	}
	if (sg_writer_commit(w, &err) != SG_OK)
		die("committing", &err);
	for (i = 0; i < sizeof(deleted) / sizeof(deleted[0]); i++) {
		snprintf(id, sizeof(id), "doc%02d", deleted[i]);
		if (sg_writer_delete(w, id, strlen(id), &err) != SG_OK)
			die("deleting", &err);
	}
	for (i = 0; i < sizeof(replaced) / sizeof(replaced[0]); i++) {
		/* The same id, another document's text: a new docid. */
		int from = (replaced[i] + 5) % (int)N_DOCS;

		make_doc(&d, texts, id, sizeof(id), replaced[i], docs[from][0],
			 docs[from][1]);
		if (sg_writer_add(w, &d, &err) != SG_OK)
			die("replacing a document", &err);
	}
	if (sg_writer_commit(w, &err) != SG_OK)
		die("committing", &err);
	sg_writer_free(w);
	if (sg_searcher_open(kd->idx, &kd->s, &err) != SG_OK)
		die("opening a searcher", &err);
}

static void rm_index(const char *name)
{
	static const char *const files[] = { "data.mdb", "lock.mdb",
					     "writer.lock" };
	char path[sizeof(tmpdir) + 64];
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s/%s", tmpdir, name,
			 files[i]);
		(void)unlink(path);
	}
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	(void)rmdir(path);
}

static void cleanup(void)
{
	size_t i;

	for (i = 0; i < N_KINDS; i++) {
		sg_searcher_free(kinds[i].s);
		sg_index_close(kinds[i].idx);
		kinds[i].s = NULL;
		kinds[i].idx = NULL;
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	size_t i;

	(void)argc;
	(void)argv;
	if (!mkdtemp(tmpdir)) {
		fprintf(stderr, "fuzz_query: mkdtemp: %s\n", strerror(errno));
		abort();
	}
	atexit(cleanup);
	for (i = 0; i < N_KINDS; i++)
		build(&kinds[i]);
	/* The open environments keep their files: remove them now, so that
	 * a crash (the point of fuzzing) leaves nothing in /tmp. */
	for (i = 0; i < N_KINDS; i++)
		rm_index(kinds[i].name);
	(void)rmdir(tmpdir);
	return 0;
}

/* An answer that is not a bug: the query itself is refused. */
static int fine_error(int rc)
{
	return rc == SG_ESYNTAX || rc == SG_ETOOBIG || rc == SG_EINVAL;
}

static void mismatch(const struct kind *kd, const sg_search_options *o,
		     const char *q, size_t len, const char *what,
		     const sg_results *p, const sg_results *e)
{
	size_t i;

	fprintf(stderr,
		"fuzz_query: MISMATCH on '%s' (%s, k=%zu k1=%g b=%g cap=%zu): "
		"%s\n  query: '%.*s'\n", kd->name,
		o->or_mode ? "or" : "keyword", o->k, o->k1, o->b, o->prefix_cap,
		what, (int)len, q);
	if (p && e) {
		fprintf(stderr, "  pruned: %zu hits, total %llu%s; exhaustive: "
			"%zu hits, total %llu%s\n", p->n_hits,
			(unsigned long long)p->total,
			p->total_is_lower_bound ? "+" : "", e->n_hits,
			(unsigned long long)e->total,
			e->total_is_lower_bound ? "+" : "");
		for (i = 0; i < p->n_hits || i < e->n_hits; i++)
			fprintf(stderr, "  %2zu  %6u %.17g   %6u %.17g\n", i,
				i < p->n_hits ? p->hits[i].docid : 0,
				i < p->n_hits ? p->hits[i].score : 0.0,
				i < e->n_hits ? e->hits[i].docid : 0,
				i < e->n_hits ? e->hits[i].score : 0.0);
	}
	__builtin_trap();
}

/* The rules every answer keeps, pruned or not. */
static const char *bad_answer(const sg_results *r, size_t k)
{
	size_t i, j;

	if (r->n_hits > k)
		return "more hits than k";
	if (r->n_hits > r->total)
		return "more hits than the total";
	for (i = 0; i < r->n_hits; i++) {
		if (!isfinite(r->hits[i].score) || r->hits[i].score < 0)
			return "a score that is not finite and >= 0";
		if (r->hits[i].id.len == 0)
			return "a hit without an id";
		for (j = 0; j < i; j++)
			if (r->hits[j].docid == r->hits[i].docid)
				return "a document twice";
	}
	return NULL;
}

/* What `sagasu bench --verify` compares (cli/cmd_search.c same_results),
 * and the totals. */
static const char *differ(const sg_results *p, const sg_results *e)
{
	size_t i;

	if (p->n_hits != e->n_hits)
		return "a different number of hits";
	for (i = 0; i < p->n_hits; i++) {
		double x = p->hits[i].score, y = e->hits[i].score;

		if (p->hits[i].docid != e->hits[i].docid)
			return "different documents";
		if (fabs(x - y) > 1e-6 * fmax(fabs(x), fabs(y)))
			return "different scores";
	}
	/* Exhaustive evaluation counts every match of the query it ran; its
	 * total is a lower bound only when a prefix had more terms than the
	 * cap and the rest were left out (with a notice saying so). */
	if (e->total_is_lower_bound && !strstr(e->notices, "--prefix-cap"))
		return "an exhaustive total reported as a lower bound";
	if (p->total_is_lower_bound ? p->total > e->total :
	    p->total != e->total)
		return "a different total";
	return NULL;
}

static void run(struct kind *kd, const sg_search_options *o, const char *q,
		size_t len)
{
	sg_search_options ex = *o;
	sg_error err = SG_ERROR_INIT, err2 = SG_ERROR_INIT;
	sg_results *p = NULL, *e = NULL;
	const char *why;
	int rc, rc2;

	ex.exhaustive = 1;
	rc = sg_search(kd->s, q, len, o, &p, &err);
	rc2 = sg_search(kd->s, q, len, &ex, &e, &err2);
	if (rc != rc2) {
		fprintf(stderr, "fuzz_query: pruned: %d %s\n  exhaustive: %d "
			"%s\n", rc, err.msg, rc2, err2.msg);
		mismatch(kd, o, q, len, "different return codes", NULL, NULL);
	}
	if (rc != SG_OK) {
		if (!fine_error(rc)) {
			fprintf(stderr, "fuzz_query: error %d: %s\n", rc,
				err.msg);
			mismatch(kd, o, q, len, "an error on a sound index",
				 NULL, NULL);
		}
		return;
	}
	if ((why = bad_answer(p, o->k)) != NULL ||
	    (why = bad_answer(e, o->k)) != NULL ||
	    (why = differ(p, e)) != NULL)
		mismatch(kd, o, q, len, why, p, e);
	sg_results_free(p);
	sg_results_free(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sg_search_options o = SG_SEARCH_OPTIONS_INIT;
	const char *q;
	size_t len, i;

	if (size < HEADER)
		return 0;
	o.k = data[0] >= 0xF0 ? 64 : 1 + data[0] % 16;
	o.k1 = data[1] < 0x10 ? -1.0 : (double)(data[1] % 64) / 16.0;
	o.b = data[2] < 0x10 ? -1.0 : (double)(data[2] % 101) / 100.0;
	o.prefix_cap = data[3] & 7;
	o.snippet_chars = data[3] & 0x40 ? 40 : 0;
	o.explain = (data[3] & 0x80) != 0;
	q = (const char *)data + HEADER;
	len = size - HEADER;
	if (len > QUERY_MAX)
		len = QUERY_MAX;
	for (i = 0; i < N_KINDS; i++) {
		o.or_mode = 0;
		run(&kinds[i], &o, q, len);
		o.or_mode = 1;
		run(&kinds[i], &o, q, len);
	}
	return 0;
}
