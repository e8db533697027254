# Plots samples.csv of lux-bench over a long run: each node's resident memory, open file
# descriptors and database size, and the finality lag (best - finalized, in blocks) seen by
# the first node, against minutes since the load started.
set terminal pngcairo size 1400,1000 font "DejaVu Sans,10" noenhanced
set output png
set datafile separator ","
set multiplot layout 2,2 title sprintf("LuxTensor soak (%s)", title)
set xlabel "minutes"
set key top left
set yrange [0:*]
# Rows come per sample, one per node in order: node n is every 4th row from row n.
nodes = "0 1 2 3"
set title "resident memory (MiB)"
plot for [n in nodes] csv using ($1/60):3 skip 1 every 4::n with lines title sprintf("node %s", n)
set title "open file descriptors"
plot for [n in nodes] csv using ($1/60):4 skip 1 every 4::n with lines title sprintf("node %s", n)
set title "database on disk (MiB)"
plot for [n in nodes] csv using ($1/60):5 skip 1 every 4::n with lines title sprintf("node %s", n)
set title "finality lag at node 0 (blocks)"
plot csv using ($1/60):8 skip 1 every 4::0 with lines lc rgb "#d1495b" title "best - finalized"
unset multiplot
