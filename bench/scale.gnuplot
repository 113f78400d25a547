# bench/scale.gnuplot — draws bench/results/scale.tsv (bench/scale.sh) as a PNG.
#   gnuplot -e "tsv='bench/results/scale.tsv'; png='bench/results/scale.png'" bench/scale.gnuplot
# Columns: 1 N, 2 corpus_mb, 3 gen_s, 4 index_s, 5 index_mb, 6 peak_rss_mb,
#   7 and_qps, 8 and_p50_us, 9 and_p99_us, 10 and_postings, 11 or_qps, 12 or_p50_us,
#   13 or_p99_us, 14 or_postings, 15 nosub_index_s, 16 nosub_index_mb, 17 nosub_rss_mb,
#   18 nosub_and_p50_us, 19 nosub_and_p99_us, 20 nosub_and_postings, 21 nosub_or_p50_us,
#   22 nosub_or_p99_us, 23 nosub_or_postings, 24 peak_anon_mb, 25 batches,
#   26 nosub_peak_anon_mb, 27 nosub_batches
if (!exists("tsv")) tsv = 'bench/results/scale.tsv'
if (!exists("png")) png = 'bench/results/scale.png'
if (!exists("mem_mb")) mem_mb = 256

set terminal pngcairo size 1400,1000 font "sans,11"
set output png
set datafile separator "\t"
set datafile missing "-"
set logscale x 10
set format x "10^{%L}"
set grid xtics ytics mxtics mytics lc rgb "#dddddd"
set key top left box opaque
set style data linespoints
set pointsize 1.3

# first row, to draw growth relative to the smallest N
stats tsv using 1 nooutput
N0 = STATS_min
N1 = STATS_max
set xrange [N0 / 2.0 : N1 * 2.0]
stats tsv using ($1 == N0 ? $4 : NaN) nooutput name "IX"
stats tsv using ($1 == N0 ? $8 : NaN) nooutput name "A50"
stats tsv using ($1 == N0 ? $10 : NaN) nooutput name "APO"
stats tsv using ($1 == N0 ? $12 : NaN) nooutput name "O50"
stats tsv using ($1 == N0 ? $14 : NaN) nooutput name "OPO"

set multiplot layout 2,2 title "sagasu scale curve: synthetic corpora from the real term / length distributions (lengths ÷10), --threads 2 --mem 256M"

set title "Index time (wall, incl. MeCab)"
set logscale y 10
set xlabel "documents N"
set ylabel "seconds"
plot tsv using 1:4 title "index (substring)" lw 2 pt 7 lc rgb "#1f77b4", \
     tsv using 1:15 title "index --no-substring" lw 2 pt 5 lc rgb "#ff7f0e", \
     tsv using 1:(IX_max * $1 / N0) with lines dt 3 lw 1 lc rgb "#888888" title "∝ N"

set title "Index size (data.mdb) and peak memory of the indexer"
set ylabel "MiB"
set key top left font ",10"
set yrange [1:1e5]
plot tsv using 1:5 title "data.mdb (substring)" lw 2 pt 7 lc rgb "#1f77b4", \
     tsv using 1:16 title "data.mdb --no-substring" lw 2 pt 5 lc rgb "#ff7f0e", \
     tsv using 1:6 title "peak RSS (substring; incl. mapped data.mdb)" lw 2 pt 9 dt 2 lc rgb "#2ca02c", \
     tsv using 1:17 title "peak RSS --no-substring" lw 1 pt 11 dt 2 lc rgb "#d62728", \
     tsv using 1:($24 > 1 ? $24 : NaN) title "peak anon RSS (substring)" lw 2 pt 9 dt 1 lc rgb "#2ca02c", \
     tsv using 1:($26 > 1 ? $26 : NaN) title "peak anon RSS --no-substring" lw 1 pt 11 dt 1 lc rgb "#d62728", \
     mem_mb with lines lw 1 dt 4 lc rgb "#000000" title sprintf("--mem budget %d MiB", mem_mb)

set key top left font ",11"
set autoscale y
set title "Query latency, top-10, substring index (300 queries × 3 passes)"
set ylabel "microseconds"
plot tsv using 1:8 title "AND p50" lw 2 pt 7 lc rgb "#1f77b4", \
     tsv using 1:9 title "AND p99" lw 2 pt 7 dt 2 lc rgb "#1f77b4", \
     tsv using 1:12 title "OR p50" lw 2 pt 5 lc rgb "#ff7f0e", \
     tsv using 1:13 title "OR p99" lw 2 pt 5 dt 2 lc rgb "#ff7f0e", \
     tsv using 1:18 title "AND p50 --no-substring" lw 1 pt 6 lc rgb "#2ca02c", \
     tsv using 1:21 title "OR p50 --no-substring" lw 1 pt 4 lc rgb "#d62728"

set title sprintf("Growth relative to N = %d: p50 vs postings decoded per query", N0)
set ylabel "× value at smallest N"
set label 1 sprintf("postings/query at N=%d: AND %.0f, OR %.0f", N0, APO_max, OPO_max) at graph 0.02, graph 0.62 font ",10"
plot tsv using 1:($8 / A50_max) title "AND p50" lw 2 pt 7 lc rgb "#1f77b4", \
     tsv using 1:($10 / APO_max) title "AND postings/query" lw 2 pt 7 dt 2 lc rgb "#1f77b4", \
     tsv using 1:($12 / O50_max) title "OR p50" lw 2 pt 5 lc rgb "#ff7f0e", \
     tsv using 1:($14 / OPO_max) title "OR postings/query" lw 2 pt 5 dt 2 lc rgb "#ff7f0e", \
     tsv using 1:($1 / N0) with lines dt 3 lw 1 lc rgb "#888888" title "∝ N"
unset label 1
unset multiplot
