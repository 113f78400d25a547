#!/usr/bin/env bash
# Retrieval quality on JSQuAD (paragraphs as documents, questions as queries):
# indexes docs.jsonl, answers every question with
#   sagasu search --or -k 10 --format trec --queries queries.tsv
# and prints MRR@10 and nDCG@10 against qrels.tsv (one relevant document per
# query, so nDCG@10 = 1/log2(rank+1) when it is in the top 10, else 0).
#   usage: bench/jsquad_eval.sh [JSQUAD_DIR]   (default ../shared/corpus/jsquad)
# SAGASU overrides the binary (default build/sagasu); extra search options in
# SEARCH_OPTS (e.g. SEARCH_OPTS="--k1 0.9 --b 0.4"), extra index options in
# INDEX_OPTS (e.g. INDEX_OPTS="--variants choon,kana").
set -eu
cd "$(dirname "$0")/.."
DIR=${1:-${SHARED:-$PWD/../shared}/corpus/jsquad}
S=${SAGASU:-$PWD/build/sagasu}
for f in docs.jsonl queries.tsv qrels.tsv; do
	[ -f "$DIR/$f" ] || { echo "jsquad_eval: $DIR/$f is missing" >&2; exit 1; }
done
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

# shellcheck disable=SC2086
"$S" index -q -d "$W/idx" ${INDEX_OPTS:-} "$DIR/docs.jsonl" >/dev/null
# shellcheck disable=SC2086
if ! "$S" search -d "$W/idx" --or -k 10 --format trec ${SEARCH_OPTS:-} \
	--queries "$DIR/queries.tsv" >"$W/run.trec" 2>"$W/search.err"; then
	# The batch failed (a crash on some query): answer the queries one by one,
	# count those that fail as unanswered (no hit) and name them.
	echo "jsquad_eval: the batch search failed ($(tail -1 "$W/search.err")): one query at a time" >&2
	: >"$W/run.trec"
	while IFS= read -r line; do
		printf '%s\n' "$line" >"$W/one.tsv"
		if ! "$S" search -d "$W/idx" --or -k 10 --format trec ${SEARCH_OPTS:-} \
			--queries "$W/one.tsv" >"$W/one.trec" 2>/dev/null; then
			echo "jsquad_eval: FAILED (crashed or erred, counted as no hit): $line" >&2
			: >"$W/one.trec"
		fi
		cat "$W/one.trec" >>"$W/run.trec"
	done <"$DIR/queries.tsv"
fi

python3 - "$DIR/qrels.tsv" "$W/run.trec" "$DIR/queries.tsv" <<'EOF'
import math, sys
rel = {}
for line in open(sys.argv[1], encoding="utf-8"):
    f = line.split()
    if len(f) >= 2 and (len(f) < 3 or float(f[2]) > 0):
        rel.setdefault(f[0], set()).add(f[1])
qids = [l.split("\t", 1)[0] for l in open(sys.argv[3], encoding="utf-8") if l.strip()]
ranked = {}
for line in open(sys.argv[2], encoding="utf-8"):
    qid, _, doc, rank, _, _ = line.split()
    ranked.setdefault(qid, []).append((int(rank), doc))
mrr = ndcg = 0.0
found = 0
n = 0
for q in qids:
    if q not in rel:
        continue
    n += 1
    for rank, doc in sorted(ranked.get(q, []))[:10]:
        if doc in rel[q]:
            mrr += 1.0 / rank
            ndcg += 1.0 / math.log2(rank + 1)   # ideal DCG = 1 (one relevant)
            found += 1
            break
print("queries   %d (%d answered with at least one hit)" % (n, sum(1 for q in qids if ranked.get(q))))
print("recall@10 %.4f" % (found / n))
print("MRR@10    %.4f" % (mrr / n))
print("nDCG@10   %.4f" % (ndcg / n))
EOF
