# Plots blocks.csv of lux-bench: transfers included per block (bars, left axis) and the time
# from a block's arrival to its finality (line, right axis), by block number.
set terminal pngcairo size 1200,600 font "DejaVu Sans,10" noenhanced
set output png
set datafile separator ","
set title sprintf("LuxTensor end-to-end load (%s)", title)
set xlabel "block"
set ylabel "transfers in the block"
set y2label "finality lag (ms)"
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
set key top left
set style fill solid 0.6 noborder
set boxwidth 0.8 relative
plot csv using 1:3 skip 1 with boxes lc rgb "#4a7ebb" title "transfers per block", \
     csv using 1:4 skip 1 axes x1y2 with linespoints pt 7 ps 0.4 lc rgb "#d1495b" title "finality lag (ms)"
